"""Every page, as each role sees it, through NiceGUI's simulated user."""

from __future__ import annotations

from nicegui import ui

from tests.dashboard.conftest import PASSWORD, ROLE_USERS, XSS, add_segment, end_call, raise_alert, start_call


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
    await user.should_see("alice", retries=30)
    await user.should_see("1 active call", retries=30)
    await add_segment(services, "call-1", "i want to cancel my account", score=-0.6, keywords=("cancel",))
    await user.should_see("caller: i want to cancel my account", retries=30)
    await user.should_see("avg -0.60", retries=30)
    await start_call(services, "call-2", agent="bob")
    await user.should_see("2 active calls", retries=30)
    await end_call(services, "call-1")
    await user.should_see("1 active call", retries=30)
    await user.should_not_see("alice", retries=30)


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
    await user.should_see(f"caller: {XSS}", retries=30)


async def test_alert_banner_acknowledge_records_who(logged_in, services) -> None:
    await start_call(services, "call-a")
    user = await logged_in("sup")
    await user.open("/")
    alert = await raise_alert(services, "call-a", "critical")
    await user.should_see("CRITICAL", retries=30)
    user.find("Acknowledge").click()
    await user.should_not_see("CRITICAL", retries=30)
    stored = await services.alerts.store.get_alert(alert.id)
    assert stored.acknowledged_by == "sup" and stored.acknowledged_at is not None


async def test_warning_banner_can_be_dismissed_but_critical_cannot(logged_in, services) -> None:
    await start_call(services, "call-w")
    user = await logged_in("sup")
    await user.open("/agents")
    await raise_alert(services, "call-w", "warning")
    await user.should_see("WARNING", retries=30)
    user.find("Dismiss").click()
    await user.should_not_see("WARNING", retries=30)
    await raise_alert(services, "call-w", "critical")
    await user.should_see("CRITICAL", retries=30)
    await user.should_not_see("Dismiss", retries=30)


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
