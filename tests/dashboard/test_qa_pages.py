"""The QA pages (search, review, scorecard, agent statistics) through NiceGUI's
simulated user, on a real SQLite store written by CallStore."""

from __future__ import annotations

import json
import time

from nicegui import ui

from dashboard.components.transcript import Span
from dashboard.pages.qa_form import SearchForm, build_query
from dashboard.recordings import RecordingPolicy
from ingest.events import CallStarted
from qa.scorecards import ScorecardStore
from simulator.speech import TELEPHONE_RATE, speak
from tests.dashboard.conftest import XSS, add_segment, end_call, raise_alert, start_call
from tests.support.audio import write_wav


async def stored_calls(services) -> None:
    """Three ended calls: bob's angry refund call with an alert, alice's calm one, carol's Spanish one."""
    await start_call(services, "call-refund", agent="bob")
    await add_segment(services, "call-refund", "i want a refund right now", score=-0.6, keywords=("refund",))
    await add_segment(services, "call-refund", "this is unacceptable", score=-0.5, start=3.0)
    await raise_alert(services, "call-refund", "urgent")
    await end_call(services, "call-refund")
    await start_call(services, "call-calm", agent="alice")
    await add_segment(services, "call-calm", "thank you the refund arrived", score=0.6, speaker="caller")
    await end_call(services, "call-calm")
    await start_call(services, "call-es", agent="carol")
    await add_segment(services, "call-es", "quiero cancelar", translation="i want to cancel", score=-0.2)
    await services.calls.update_call("call-es", language="es")
    await end_call(services, "call-es")


def search(user) -> None:
    user.find(marker="search-button").click()


def hit_ids(user) -> set[str]:
    return {
        card._props["data-call-id"]
        for card in user.find(marker=None, kind=ui.card).elements
        if "data-call-id" in card._props
    }


async def test_qa_and_supervisor_open_the_qa_pages_agents_cannot(logged_in, services) -> None:
    await stored_calls(services)
    for name in ("quinn", "sup"):
        user = await logged_in(name)
        await user.open("/qa")
        await user.should_see("call-refund", retries=30)
        await user.open("/qa/calls/call-refund")
        await user.should_see("this is unacceptable", retries=30)
        await user.open("/qa/agents")
        await user.should_see("Agent statistics", retries=30)
    agent = await logged_in("alice")
    for path in ("/qa", "/qa/calls/call-refund", "/qa/agents", "/api/calls/call-refund/recording"):
        response = await agent.http_client.get(path)
        assert response.status_code == 403, (path, response.status_code)


async def test_search_finds_words_highlights_them_and_filters(logged_in, services) -> None:
    await stored_calls(services)
    user = await logged_in("quinn")
    await user.open("/qa")
    await user.should_see("Calls 1–3 of 3", retries=30)
    user.find("Search what was said").type("refund")
    search(user)
    await user.should_see("Calls 1–2 of 2", retries=30)
    assert hit_ids(user) == {"call-refund", "call-calm"}
    marked = [e for e in user.find(kind=Span).elements if e._props.get("data-mark") == "match"]
    assert {e.text for e in marked} == {"refund"}
    user.find(kind=ui.input, content="Agent").type("bob")
    search(user)
    await user.should_see("Calls 1–1 of 1", retries=30)
    assert hit_ids(user) == {"call-refund"}
    # Filters without text: Spanish calls, found by their translation too.
    user.find("Search what was said").clear()
    user.find(kind=ui.input, content="Agent").clear()
    user.find(kind=ui.input, content="Language").type("es")
    search(user)
    await user.should_see("call-es", retries=30)
    await user.should_see("Calls 1–1 of 1", retries=30)
    assert hit_ids(user) == {"call-es"}


async def test_search_by_alert_level_sentiment_and_paging(logged_in, services) -> None:
    await stored_calls(services)
    user = await logged_in("sup")
    await user.open("/qa")
    await user.should_see("Calls 1–3 of 3", retries=30)
    user.find("Alert level (at least)").click()
    user.find("urgent").click()
    search(user)
    await user.should_see("Calls 1–1 of 1", retries=30)
    assert hit_ids(user) == {"call-refund"}
    user.find("Alert level (at least)").click()
    user.find("critical").click()
    search(user)
    await user.should_see("No calls match.", retries=30)
    await user.open("/qa")
    user.find("Min sentiment").type("0.1")
    search(user)
    await user.should_see("Calls 1–1 of 1", retries=30)
    assert hit_ids(user) == {"call-calm"}
    # Twelve more calls: pages of ten, newest first, no call on two pages.
    for n in range(12):
        await start_call(services, f"call-page-{n:02d}", started_at=time.time() - 3600 - n)
    await user.open("/qa")
    user.find("Per page").click()
    user.find("10 per page").click()
    search(user)
    await user.should_see("Calls 1–10 of 15", retries=30)
    first = hit_ids(user)
    user.find("Next page").click()
    await user.should_see("Calls 11–15 of 15", retries=30)
    assert len(first | hit_ids(user)) == 15
    user.find("Previous page").click()
    await user.should_see("Calls 1–10 of 15", retries=30)
    assert hit_ids(user) == first


async def test_awkward_input_shows_the_notice_and_never_breaks(logged_in, services) -> None:
    await stored_calls(services)
    user = await logged_in("quinn")
    await user.open("/qa")
    await user.should_see("Calls 1–3 of 3", retries=30)
    user.find("Search what was said").type('" * ( )')
    search(user)
    await user.should_see("has no words to search for", retries=30)
    await user.should_see("Calls 1–3 of 3", retries=30)
    user.find("Search what was said").clear().type("refund AND (right")
    search(user)
    await user.should_see('only OR and "quoted phrases" are understood', retries=30)
    await user.should_see("Calls 1–1 of 1", retries=30)
    user.find("Search what was said").clear().type(XSS)
    search(user)
    await user.should_see("No calls match.", retries=30)
    user.find("Search what was said").clear()
    user.find("From date").type("yesterday")
    search(user)
    await user.should_see("from date 'yesterday' is not a date (YYYY-MM-DD)", retries=30)
    assert_refused(user)
    user.find("From date").clear()
    user.find("Min sentiment").type("0.5")
    user.find("Max sentiment").type("-0.5")
    search(user)
    await user.should_see("min sentiment (0.5) is after max sentiment (-0.5)", retries=30)
    assert_refused(user)


def assert_refused(user) -> None:
    """An error shows no calls at all (before, every call was listed under the note)."""
    assert user.client is not None
    assert not [e for e in user.client.layout.descendants() if isinstance(e, ui.card)]
    assert user.find(marker=None, content="No results: correct the search above.").elements


async def test_reversed_dates_are_an_error_in_dates(logged_in, services) -> None:
    await stored_calls(services)
    user = await logged_in("quinn")
    await user.open("/qa?date_from=2026-11-05&date_to=2026-11-01")
    await user.should_see("from date 2026-11-05 is after to date 2026-11-01", retries=30)
    assert_refused(user)
    await user.open("/qa?min_duration=ten")
    await user.should_see("min duration 'ten' is not a number", retries=30)
    assert_refused(user)


async def test_agent_filter_ignores_case_and_or_finds_either(logged_in, services) -> None:
    await stored_calls(services)
    user = await logged_in("quinn")
    await user.open("/qa")
    await user.should_see("Calls 1–3 of 3", retries=30)
    user.find(kind=ui.input, content="Agent").type("BOB")
    search(user)
    await user.should_see("Calls 1–1 of 1", retries=30)
    assert hit_ids(user) == {"call-refund"}
    await user.open("/qa?q=unacceptable+OR+cancelar")
    await user.should_see("Calls 1–2 of 2", retries=30)
    assert hit_ids(user) == {"call-refund", "call-es"}
    await user.open('/qa?q="refund+arrived"')
    await user.should_see("Calls 1–1 of 1", retries=30)
    assert hit_ids(user) == {"call-calm"}


async def test_results_have_column_headers(logged_in, services) -> None:
    await stored_calls(services)
    user = await logged_in("quinn")
    await user.open("/qa?q=refund")
    await user.should_see("Calls 1–2 of 2", retries=30)
    (header,) = [
        e for e in user.find(kind=ui.element).elements if e._props.get("data-testid") == "result-header"
    ]
    names = [child.text for child in header.default_slot.children]  # type: ignore[attr-defined]
    assert names[:3] == ["Call", "Started", "Agent"] and "Sentiment" in names and "Alerts" in names


async def test_search_lives_in_the_url_and_back_returns(logged_in, services) -> None:
    await stored_calls(services)
    user = await logged_in("quinn")
    await user.open("/qa")
    await user.should_see("Calls 1–3 of 3", retries=30)
    user.find("Search what was said").type("refund")
    user.find(kind=ui.input, content="Agent").type("bob")
    search(user)
    await user.should_see("Calls 1–1 of 1", retries=30)
    assert user.back_history[-1] == "/qa?q=refund&agent=bob"
    user.find("Alert level (at least)").click()
    user.find("critical").click()
    search(user)
    await user.should_see("No calls match.", retries=30)
    assert user.back_history[-1] == "/qa?q=refund&agent=bob&alert_level=critical"
    ui.navigate.back()
    await user.should_see("Calls 1–1 of 1", retries=30)
    assert hit_ids(user) == {"call-refund"}
    # A bookmark opened by someone else restores the form and the results.
    other = await logged_in("sup")
    await other.open("/qa?q=refund&agent=bob&alert_level=urgent&page_size=10")
    await other.should_see("Calls 1–1 of 1", retries=30)
    assert other.find("Search what was said").elements.pop().value == "refund"
    assert other.find(kind=ui.input, content="Agent").elements.pop().value == "bob"


def test_form_dates_are_whole_local_days() -> None:
    query, problems = build_query(SearchForm(date_from="2026-11-01", date_to="2026-11-01", page_size=10))
    assert problems == [] and query is not None
    assert query.date_to - query.date_from == 86400.0
    assert time.localtime(query.date_from)[:6] == (2026, 11, 1, 0, 0, 0)
    assert build_query(SearchForm(), offset=-5)[0].offset == 0  # type: ignore[union-attr]


async def test_search_exports_csv_and_json(logged_in, services) -> None:
    await stored_calls(services)
    user = await logged_in("quinn")
    await user.open("/qa?q=refund")
    await user.should_see("Calls 1–2 of 2", retries=30)
    user.find("Export CSV").click()
    csv_text = (await user.download.next(timeout=5)).text
    assert csv_text.splitlines()[0].startswith("call_id,started_at")
    assert "call-refund" in csv_text and "[refund]" in csv_text and "call-es" not in csv_text
    user.find("Export JSON").click()
    data = json.loads((await user.download.next(timeout=5)).text)
    assert {hit["call_id"] for hit in data["hits"]} == {"call-refund", "call-calm"}


async def test_scorecard_round_trip_and_agent_statistics(logged_in, services) -> None:
    await stored_calls(services)
    user = await logged_in("quinn")
    await user.open("/qa/calls/call-refund")
    await user.should_see("this is unacceptable", retries=30)
    await user.should_see("legal threat: lawyer", retries=30)
    chart = user.find(ui.plotly).elements.pop()
    assert sum(len(trace["y"]) for trace in chart.figure["data"][:3]) == 2
    toggles = {t._props["data-criterion"]: t for t in user.find(kind=ui.toggle).elements}
    toggles["greeting"].value = "yes"
    toggles["disclosure"].value = "no"
    toggles["resolution"].value = "5"
    # weights 1, 2, 2: (1 + 0 + 2) / 5
    await user.should_see("60 / 100", retries=30)
    user.find("Reviewer notes").type("missed the recording disclosure")
    user.find("Tags (comma separated)").type("compliance, coaching")
    user.find("Save scorecard").click()
    await user.should_see("Scorecard saved.", retries=30)
    store = await ScorecardStore.open(services.db_path)
    try:
        cards = await store.list_for_call("call-refund")
    finally:
        await store.close()
    assert len(cards) == 1
    card = cards[0]
    assert (card.reviewer, card.total, card.tags) == ("quinn", 60.0, ("compliance", "coaching"))
    assert card.answers == {
        "greeting": True,
        "disclosure": False,
        "verification": None,
        "empathy": None,
        "resolution": 5,
        "closing": None,
    }
    assert card.notes == "missed the recording disclosure" and time.time() - card.reviewed_at < 3600
    again = await logged_in("sup")
    await again.open("/qa/calls/call-refund")
    await again.should_see("missed the recording disclosure", retries=30)
    await again.should_see("compliance, coaching", retries=30)
    await again.open("/qa/agents")
    await again.should_see("Agent statistics", retries=30)
    rows = again.find(ui.table).elements.pop().rows
    assert {r["agent"]: r["qa_score"] for r in rows} == {"bob": "60", "alice": "–", "carol": "–"}


async def test_call_exports_and_unknown_calls(logged_in, services) -> None:
    await stored_calls(services)
    user = await logged_in("quinn")
    await user.open("/qa/calls/call-es")
    await user.should_see("quiero cancelar", retries=30)
    expected = {
        "VTT": "WEBVTT",
        "SRT": "00:00:00,000 --> 00:00:02,000",
        "TXT": "Call call-es",
        "JSON": '"call_id": "call-es"',
    }
    for button, text in expected.items():
        user.find(button).click()
        content = (await user.download.next(timeout=5)).text
        assert text in content and "i want to cancel" in content, (button, content)
    await user.open("/qa/calls/no-such-call")
    await user.should_see("No such call.", retries=30)


async def test_recording_is_served_only_from_the_calls_metadata(logged_in, services, tmp_path) -> None:
    folder = tmp_path / "recordings"
    folder.mkdir()
    recording = folder / "imported.wav"
    write_wav(recording, speak("hello this call may be recorded", "agent"), TELEPHONE_RATE)
    outside = tmp_path / "outside.wav"  # a playable file, but not in a recording folder
    write_wav(outside, speak("hello this call may be recorded", "agent"), TELEPHONE_RATE)
    (folder / "link.wav").symlink_to(outside)
    services.recordings = RecordingPolicy((folder.resolve(),), ("http://127.0.0.1:1/RECORDINGS/",))
    await services.calls.start_call(
        CallStarted("rec-1", "import", metadata={"recording_path": str(recording)})
    )
    await services.calls.start_call(
        CallStarted("rec-2", "import", metadata={"recording_path": "/etc/passwd"})
    )
    for call_id, named in (
        ("rec-out", str(outside)),
        ("rec-dots", str(folder / ".." / "outside.wav")),
        ("rec-link", str(folder / "link.wav")),
    ):
        await services.calls.start_call(CallStarted(call_id, "import", metadata={"recording_path": named}))
    await services.calls.start_call(
        CallStarted(
            "vici-1", "audiosocket", metadata={"recording_url": "http://127.0.0.1:1/RECORDINGS/1.mp3"}
        )
    )
    await services.calls.start_call(
        CallStarted("vici-evil", "audiosocket", metadata={"recording_url": "https://evil.example/1.mp3"})
    )
    user = await logged_in("quinn")
    response = await user.http_client.get("/api/calls/rec-1/recording")
    assert response.status_code == 200 and response.content == recording.read_bytes()
    assert response.headers["content-type"] == "audio/wav"
    for call_id in (
        "rec-2",
        "rec-out",
        "rec-dots",
        "rec-link",
        "vici-1",
        "nothing",
        "..%2F..%2Fetc%2Fpasswd",
    ):
        assert (await user.http_client.get(f"/api/calls/{call_id}/recording")).status_code == 404
    await user.open("/qa/calls/rec-1")
    audio = user.find(kind=ui.audio).elements.pop()
    assert audio.props["src"] == "/api/calls/rec-1/recording"
    await user.open("/qa/calls/vici-1")
    assert user.find(kind=ui.audio).elements.pop().props["src"] == "http://127.0.0.1:1/RECORDINGS/1.mp3"
    for call_id in ("rec-2", "rec-out", "vici-evil"):
        await user.open(f"/qa/calls/{call_id}")
        await user.should_see("No recording available.", retries=30)
    anonymous = (await logged_in("quinn")).http_client
    anonymous.cookies.clear()
    assert (await anonymous.get("/api/calls/rec-1/recording")).status_code == 401
