"""Every page, as each role sees it, through NiceGUI's simulated user."""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from alerts.store import AlertQuery
from dashboard.components.alert_inbox import AlertInboxStrip
from tests.dashboard.conftest import PASSWORD, ROLE_USERS, XSS, add_segment, end_call, raise_alert, start_call
from tests.dashboard.test_wallboard import grid_of, tile_when, until


async def test_login_page_logs_in_and_lands_on_the_wallboard(new_user, services) -> None:
    user = new_user()
    await user.open("/login")
    user.find("Name").type("sup")
    user.find("Password").type(PASSWORD)
    user.find("Log in").click()
    await user.should_see("Live calls", retries=30)


async def test_wrong_password_is_refused(new_user) -> None:
    user = new_user()
    await user.open("/login")
    user.find("Name").type("sup")
    user.find("Password").type("not the password")
    user.find("Log in").click()
    await user.should_see("Wrong name or password.", retries=30)


async def test_wallboard_shows_live_calls_and_updates(logged_in, services) -> None:
    await start_call(services, "call-1", agent="alice")
    user = await logged_in("sup")
    await user.open("/")
    await tile_when(user, "call-1", lambda row: row["agent"] == "alice")
    await user.should_see("1 active call", retries=30)
    await add_segment(services, "call-1", "i want to cancel my account", score=-0.6, keywords=("cancel",))
    tile = await tile_when(user, "call-1", lambda row: row["line"] == "caller: i want to cancel my account")
    assert tile["caller"] == "caller -0.60"
    await start_call(services, "call-2", agent="bob")
    await user.should_see("2 active calls", retries=30)
    await end_call(services, "call-1")
    await user.should_see("1 active call", retries=30)
    grid = grid_of(user)
    await until(lambda: "call-1" not in grid.rows and grid.order == ["call-2"])


async def test_call_view_shows_transcript_chart_alerts_and_metadata(logged_in, services) -> None:
    await start_call(services, "call-7", agent="carmen")
    await add_segment(services, "call-7", "hello this call may be recorded", speaker="agent", score=0.3)
    user = await logged_in("sup")
    await user.open("/calls/call-7")
    await user.should_see("hello this call may be recorded", retries=30)
    await user.should_see("carmen", retries=30)
    await add_segment(
        services,
        "call-7",
        "hola quiero cancelar",
        translation="hello i want to cancel",
        keywords=("cancel",),
        score=-0.4,
        start=3.0,
    )
    await user.should_see("hello i want to cancel", retries=30)
    await raise_alert(services, "call-7", "urgent")
    await user.should_see("legal threat: lawyer", retries=30)
    chart = user.find(ui.plotly).elements.pop()
    assert len(chart.figure["data"][1]["y"]) == 1 and len(chart.figure["data"][0]["y"]) == 1
    caller_mood, agent_mood = chart.figure["data"][3], chart.figure["data"][4]
    assert (caller_mood["name"], caller_mood["y"]) == ("caller mood", [-0.4])
    assert (agent_mood["name"], agent_mood["y"]) == ("agent mood", [0.3])


async def test_call_view_figures_follow_the_transcript_live(logged_in, services) -> None:
    await start_call(services, "call-9", agent="ines")
    await add_segment(services, "call-9", "good morning", speaker="agent", score=0.5)
    user = await logged_in("sup")
    await user.open("/calls/call-9")
    await user.should_see("good morning", retries=30)
    for n in range(1, 6):
        await add_segment(services, "call-9", f"complaint number {n}", score=-0.5, start=2.0 * n)
    await raise_alert(services, "call-9", "urgent")
    await raise_alert(services, "call-9", "warning")
    await user.should_see("complaint number 5", retries=30)

    def field(name: str) -> str:
        return next(e.text for e in user.find(ui.label).elements if e.props.get("data-field") == name)

    await user.should_see("2 (2 open)", retries=30)
    assert field("segments") == "6"
    assert field("caller-mood") == "-0.50" and field("agent-mood") == "+0.50"
    assert field("average-sentiment") == "-0.33"


async def test_call_view_shows_vicidials_disposition_agents_and_recordings(logged_in, services) -> None:
    await start_call(services, "call-xfer", agent="6006")
    metadata = {
        "status": "PAID",
        "agents": "6002 (Tom Becker) [SALES]; 6006 (Priya Nair) [BILLING]",
        "recording_urls": "http://vd/RECORDINGS/MP3/a-all.mp3 http://vd/RECORDINGS/MP3/b-all.mp3",
    }
    await services.bus.publish(await services.calls.update_call("call-xfer", metadata=metadata))
    user = await logged_in("sup")
    await user.open("/calls/call-xfer")
    await user.should_see("PAID", retries=30)
    await user.should_see(metadata["agents"], retries=30)
    await user.should_see(metadata["recording_urls"], retries=30)


async def test_call_view_works_for_ended_calls(logged_in, services) -> None:
    await start_call(services, "call-old", agent="dmitri")
    await add_segment(services, "call-old", "thanks that was helpful", score=0.8)
    await end_call(services, "call-old")
    user = await logged_in("quinn")
    await user.open("/calls/call-old")
    await user.should_see("thanks that was helpful", retries=30)
    await user.should_see("ended", retries=30)


async def test_transcript_text_is_rendered_as_text(logged_in, services) -> None:
    await start_call(services, "call-x")
    await add_segment(services, "call-x", XSS)
    user = await logged_in("sup")
    await user.open("/calls/call-x")
    await user.should_see(XSS, retries=30)
    assert not any(element.tag == "img" for element in user.find(XSS).elements)
    await user.open("/")
    # The tile gets it as data, rendered as text in the browser (test_browser.py checks the DOM).
    await tile_when(user, "call-x", lambda row: row["line"] == f"caller: {XSS}")


def inbox_of(user: User) -> AlertInboxStrip:
    strip = next(iter(user.find(marker="alert-inbox").elements))
    assert isinstance(strip, AlertInboxStrip)
    return strip


async def test_inbox_row_acknowledges_all_alerts_of_a_call(logged_in, services) -> None:
    await start_call(services, "call-a")
    user = await logged_in("sup")
    await user.open("/")
    first = await raise_alert(services, "call-a", "warning", text="this is ridiculous")
    second = await raise_alert(services, "call-a", "urgent", text="i want a manager")
    strip = inbox_of(user)
    await until(lambda: [(r["level"], r["count"]) for r in strip.rows] == [("urgent", "2 alerts")])
    assert strip.rows[0]["quote"] == "“i want a manager”"
    user.find(marker="alert-inbox").trigger("acknowledge", {"call_id": "call-a"})  # "Acknowledge all"
    await until(lambda: strip.rows == [])
    for alert in (first, second):
        stored = await services.alerts.store.get_alert(alert.id)
        assert stored.acknowledged_by == "sup" and stored.acknowledged_at is not None


async def test_critical_alerts_are_acknowledged_with_a_note(logged_in, services) -> None:
    await start_call(services, "call-c")
    user = await logged_in("sup")
    await user.open("/")
    alert = await raise_alert(services, "call-c", "critical")
    strip = inbox_of(user)
    await until(lambda: [r["level"] for r in strip.rows] == ["critical"])
    user.find(marker="alert-inbox").trigger("acknowledge", {"call_id": "call-c"})
    await user.should_see("What was done (optional)", retries=30)
    user.find("What was done (optional)").type("called the customer back")
    user.find(marker="ack-confirm").click()
    await until(lambda: strip.rows == [])
    stored = await services.alerts.query_alerts(AlertQuery(call_id="call-c"))
    assert [(s.alert.id, s.note) for s in stored] == [(alert.id, "called the customer back")]


async def test_alerts_of_an_ended_call_leave_the_inbox_and_stay_on_the_alerts_page(
    logged_in, services
) -> None:
    await start_call(services, "call-e", agent="erin")
    await start_call(services, "call-f", agent="frank")
    user = await logged_in("sup")
    await user.open("/")
    await raise_alert(services, "call-e", "urgent", text="cancel everything")
    await raise_alert(services, "call-f", "warning", text="this is slow")
    strip = inbox_of(user)
    await until(lambda: [r["id"] for r in strip.rows] == ["call-e", "call-f"])  # urgent first
    await end_call(services, "call-e")
    await until(lambda: [r["quote"] for r in strip.rows] == ["“this is slow”"])
    await user.open("/agents")
    await user.should_see("1 open alert", retries=30)
    await user.should_not_see(marker="alert-inbox")  # a badge, not the strip
    await user.open("/alerts")
    await user.should_see("2 alerts", retries=30)
    rows = user.find(ui.table).elements.pop().rows
    assert {r["call"]: r["state"] for r in rows} == {
        "call-e": "ended, unacknowledged",
        "call-f": "live, open",
    }


async def test_alerts_page_filters_and_bulk_acknowledges(logged_in, services) -> None:
    await start_call(services, "call-g", agent="gina")
    await start_call(services, "call-h", agent="hugo")
    await raise_alert(services, "call-g", "critical")
    await raise_alert(services, "call-g", "warning")
    await raise_alert(services, "call-h", "warning")
    user = await logged_in("sup")
    await user.open("/alerts")
    await user.should_see("3 alerts", retries=30)
    table = user.find(ui.table).elements.pop()
    await user.open("/alerts?call=call-g")
    await user.should_see("2 alerts", retries=30)
    table = user.find(ui.table).elements.pop()
    assert {r["call"] for r in table.rows} == {"call-g"}
    user.find("Note (optional)").type("handled")
    user.find("Acknowledge all shown").click()
    await user.should_see("Acknowledged 2 alerts.", retries=30)
    left = await services.alerts.query_alerts(AlertQuery(acknowledged=False))
    assert [s.alert.call_id for s in left] == ["call-h"]
    by_level = await services.alerts.query_alerts(AlertQuery(levels=("critical",), acknowledged=True))
    assert [s.note for s in by_level] == ["handled"]
    assert await services.alerts.query_alerts(AlertQuery(agent="GINA", live=False)) == []
    assert len(await services.alerts.query_alerts(AlertQuery(rule="legal_threat", campaign="Billing"))) == 3


async def test_supervisor_note_is_stored_with_the_call(logged_in, services) -> None:
    await start_call(services, "call-n", agent="alice")
    user = await logged_in("sup")
    await user.open("/calls/call-n")
    user.find("Short note for the agent").type("offer the loyalty discount")
    user.find("Send").click()
    await user.should_see("Note sent.", retries=30)
    notes = await services.notes.list_for_call("call-n")
    assert [(n.author, n.text) for n in notes] == [("sup", "offer the loyalty discount")]
    agent = await logged_in("alice")
    await agent.open("/agent")
    await agent.should_see("sup: offer the loyalty discount", retries=30)


async def test_agents_page_lists_live_and_weekly_figures(logged_in, services) -> None:
    await start_call(services, "call-b", agent="bob")
    await add_segment(services, "call-b", "this is unacceptable", score=-0.5, keywords=("unacceptable",))
    user = await logged_in("sup")
    await user.open("/agents")
    await user.should_see("Last 7 days", retries=30)
    table = user.find(ui.table).elements
    rows = [row for t in table for row in t.rows]
    assert any(row.get("agent") == "bob" and row.get("active") == 1 for row in rows)
    assert any(row.get("agent") == "bob" and row.get("calls") == 1 for row in rows)


async def test_health_indicator_shows_what_is_down(logged_in, services) -> None:
    user = await logged_in("sup")
    await user.open("/")
    await user.should_see("ingest: down", retries=30)


async def test_qa_and_admin_pages(logged_in, services) -> None:
    await start_call(services, "call-q")
    qa = await logged_in("quinn")
    await qa.open("/qa")
    await qa.should_see("call-q", retries=30)
    admin = await logged_in("root")
    await admin.open("/admin/users")
    await admin.should_see("Users", retries=30)
    roles = {name: admin.find(marker=f"role-{name}").elements.pop().value for name in ROLE_USERS}
    assert roles == {
        "sup": "supervisor",
        "quinn": "qa",
        "alice": "agent",
        "root": "admin",
    }


async def test_agent_home_lists_own_calls_only(logged_in, services) -> None:
    await start_call(services, "call-mine", agent="alice")
    await start_call(services, "call-theirs", agent="bob")
    agent = await logged_in("alice")
    await agent.open("/agent")
    await agent.should_see("call-mine", retries=30)
    await agent.should_not_see("call-theirs", retries=30)


async def test_agent_home_updates_live(logged_in, services) -> None:
    agent = await logged_in("alice")
    await agent.open("/agent")
    await agent.should_see("You have no call in progress.", retries=30)
    await start_call(services, "call-live", agent="alice")
    await agent.should_see("+15550001 · billing", retries=30)
    await add_segment(services, "call-live", "my internet is down again", score=-0.5)
    await agent.should_see("my internet is down again", retries=30)
    await agent.should_see("caller mood -0.50", retries=30)
    await services.notes.add("call-live", "sup", "offer a technician visit")
    await agent.should_see("sup: offer a technician visit", retries=30)
    await end_call(services, "call-live")
    await agent.should_see("You have no call in progress.", retries=30)
