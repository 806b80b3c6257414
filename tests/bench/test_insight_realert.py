"""bench/insight_e2e --rescore --realert: the current alert rules over a run's stored segments.

The pure replay (audio-time order, then the call's end) and the round trip
through a real SQLite database a run kept (--keep), with the file that says
which stored call is which corpus call.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alerts.config import load_alert_settings
from alerts.store import AlertStore
from bench.insight_corpus import Call, Line
from bench.insight_e2e import Outcome, calls_file, main, outcomes_from_database, realerted
from bench.insight_score import realert
from ingest.events import AlertRaised, CallEnded, CallStarted, TranscriptSegment, WordConfidence
from ingest.storage import CallStore
from tests.support.factories import make_segment

SETTINGS = load_alert_settings(env={})


def said(call_id: str, speaker: str, start: float, text: str, confidence: float = 0.9) -> TranscriptSegment:
    words = tuple(WordConfidence(word, confidence) for word in text.split())
    return make_segment(
        call_id, speaker=speaker, start=start, end=start + 2.0, text=text, confidence=confidence, words=words
    )


def fired(alerts: list[AlertRaised]) -> set[str]:
    return {rule for alert in alerts for rule in alert.rules}


def test_realert_judges_the_segments_in_audio_time_order_not_in_the_order_given() -> None:
    # Recognised out of order: the agent's later line came back before the disclosure.
    segments = [
        said("c1", "agent", 40.0, "let me look at that for you"),
        said("c1", "caller", 10.0, "i want to cancel my account"),
        said("c1", "agent", 1.0, "hello this call may be recorded how can i help"),
    ]
    alerts = realert(SETTINGS, "c1", segments)
    assert fired(alerts) == {"keyword_detected"}
    assert [alert.speaker for alert in alerts] == ["caller"]


def test_realert_judges_the_call_end_too() -> None:
    # No agent line past the deadline: only the call's end can say the disclosure never came.
    alerts = realert(SETTINGS, "c2", [said("c2", "agent", 1.0, "hello how can i help you today")])
    assert fired(alerts) == {"missing_disclosure"}
    assert alerts[-1].text == "" and alerts[-1].call_id == "c2"


def _call(call_id: str, agent_says: str) -> Call:
    return Call(
        id=call_id,
        kind="test",
        mixed=False,
        voices={"agent": "flite:rms", "caller": "flite:slt"},
        expect=frozenset({"keyword_detected"}),
        lines=(
            Line("agent", agent_says, "neu", frozenset(), frozenset(), 0.5, 3.0, discloses=True),
            Line("caller", "i want to cancel", "neg", frozenset({"cancel"}), frozenset(), 4.0, 6.0),
        ),
    )


async def _store_call(db: Path, call_id: str, source: str, segments: list[TranscriptSegment]) -> None:
    store = await CallStore.open(db)
    alerts = await AlertStore.open(db)
    try:
        await store.start_call(CallStarted(call_id=call_id, source=source))  # type: ignore[arg-type]
        for segment in segments:
            await store.add_segment(segment)
        await store.end_call(CallEnded(call_id=call_id, reason="hangup"))
        # What the run's rules said then: a stale alert the current rules would not raise.
        stale = AlertRaised(
            id=f"{call_id}-stale", call_id=call_id, level="urgent", rules=("profanity",), reasons=("old",),
            text="", speaker="caller", score=None, rolling_score=None,
        )  # fmt: skip
        await alerts.add_alert(stale)
    finally:
        await alerts.close()
        await store.close()


@pytest.mark.slow
async def test_rescore_reads_which_stored_call_is_which_and_realert_replaces_the_stored_alerts(
    tmp_path: Path,
) -> None:
    db = tmp_path / "insight-clean.db"
    first = _call("first-call", "hello this call may be recorded")
    second = _call("second-call", "good morning this call may be recorded")
    # AudioSocket calls carry no corpus name: only the kept file says which is which.
    await _store_call(db, "uuid-a", "audiosocket", [
        said("uuid-a", "agent", 0.6, "good morning this call may be recorded"),
        said("uuid-a", "caller", 4.1, "i want to cancel"),
    ])  # fmt: skip
    await _store_call(db, "uuid-b", "audiosocket", [said("uuid-b", "agent", 0.6, "hello this call")])
    calls_file(db).write_text(
        json.dumps({"uuid-a": {"call": "second-call"}, "uuid-b": {"call": "first-call"}})
    )

    outcomes = await outcomes_from_database([first, second], "clean", db, cache_dir=tmp_path / "cache")
    assert [(o.call.id, o.call_id, o.protocol) for o in outcomes] == [
        ("first-call", "uuid-b", "audiosocket"),
        ("second-call", "uuid-a", "audiosocket"),
    ]
    assert [fired(o.alerts) for o in outcomes] == [{"profanity"}, {"profanity"}]

    judged = [realerted(outcome, SETTINGS) for outcome in outcomes]
    assert [fired(o.alerts) for o in judged] == [{"missing_disclosure"}, {"keyword_detected"}]
    assert isinstance(judged[0], Outcome) and judged[0].segments == outcomes[0].segments


def test_realert_needs_a_run_to_rescore(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--realert"])
    assert "--rescore" in capsys.readouterr().err
