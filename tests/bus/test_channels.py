"""The pure event -> channel mapping (seed channel names)."""

from __future__ import annotations

from collections.abc import Callable

from ingest.bus.channels import (
    active_call_change,
    channels_for,
    history_entry,
    messages_for,
    sentiment_point,
)
from ingest.events import (
    AlertAcknowledged,
    AlertRaised,
    AudioReceived,
    CallEnded,
    CallErrorReported,
    CallStarted,
    CallSummary,
    DtmfReceived,
    InterimTranscript,
    LegEnded,
    TranscriptSegment,
)

ALERT = AlertRaised(
    id="a1",
    call_id="c1",
    level="urgent",
    rules=("legal_threat",),
    reasons=("said lawyer",),
    text="my lawyer",
    speaker="caller",
    score=-0.5,
    rolling_score=-0.3,
)


def test_call_events_go_to_calls_events() -> None:
    for event in [
        CallStarted("c1", "twilio"),
        CallEnded("c1", "stop"),
        CallSummary("c1", "twilio", "active", 1.0),
        LegEnded("c1", "agent", "eof"),
        DtmfReceived("c1", "caller", "5", 1.0),
        CallErrorReported("c1", 2, "frame forwarding"),
    ]:
        assert channels_for(event) == ("calls:events",), event


def test_segments_fan_out_to_transcript_and_sentiment(
    segment: Callable[..., TranscriptSegment],
) -> None:
    seg = segment("c9")
    messages = messages_for(seg)
    assert [channel for channel, _ in messages] == [
        "calls:transcript:c9",
        "calls:transcript:all",
        "calls:sentiment:c9",
        "calls:sentiment:all",
    ]
    assert messages[0][1] == seg.to_dict() and messages[0][1]["keywords"] == ["cancel"]
    point = messages[2][1]
    assert point == sentiment_point(seg)
    assert point == {
        "type": "SentimentPoint",
        "call_id": "c9",
        "segment_id": 7,
        "speaker": "caller",
        "start": 1.0,
        "end": 2.5,
        "score": -0.4,
        "label": "negative",
        "rolling": -0.2,
        "consecutive_negative": 1,
        "at": 1700000000.0,
    }


def test_interims_alerts_and_audio() -> None:
    assert channels_for(InterimTranscript("c1", "agent", 0.5, "hel")) == (
        "calls:interim:c1",
        "calls:interim:all",
    )
    assert channels_for(ALERT) == ("calls:alerts",)
    assert channels_for(AlertAcknowledged("a1", "c1", "sup")) == ("calls:alerts",)
    assert channels_for(AudioReceived("c1", "agent", b"\0\0", 8000, 0.0)) == ()


def test_history_keeps_everything_but_interims_and_audio(
    segment: Callable[..., TranscriptSegment],
) -> None:
    assert history_entry(segment()) == segment().to_dict()
    assert history_entry(ALERT) == ALERT.to_dict()
    assert (
        history_entry(CallEnded("c1", "stop", ended_at=5.0))
        == CallEnded("c1", "stop", ended_at=5.0).to_dict()
    )
    assert history_entry(InterimTranscript("c1", "agent", 0.5, "hel")) is None
    assert history_entry(AudioReceived("c1", "agent", b"\0\0", 8000, 0.0)) is None


def test_active_call_changes() -> None:
    started = active_call_change(CallStarted("c1", "twilio", started_at=3.0, metadata={"k": "v"}))
    assert started is not None and started.only_if_absent
    assert started.summary is not None and started.summary["status"] == "active"
    assert (started.summary["type"], started.summary["metadata"]) == ("CallSummary", {"k": "v"})
    live = active_call_change(CallSummary("c1", "twilio", "active", 3.0, segment_count=4))
    assert live is not None and not live.only_if_absent and live.summary["segment_count"] == 4
    for ending in [CallSummary("c1", "twilio", "ended", 3.0), CallEnded("c1", "stop")]:
        change = active_call_change(ending)
        assert change is not None and change.summary is None and change.call_id == "c1"
    assert active_call_change(DtmfReceived("c1", "caller", "5", 1.0)) is None


def test_untranscribed_segments_go_to_the_transcript_but_not_the_sentiment_chart() -> None:
    segment = TranscriptSegment(
        "c1", "caller", 0.0, 1.0, "", 0.0, "es", "sphinx", 0.0, "none", not_transcribed="no model for es"
    )
    assert channels_for(segment) == ("calls:transcript:c1", "calls:transcript:all")
