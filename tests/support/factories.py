"""Events with sensible defaults, for tests that need one and care about a few fields.

Each factory takes any field of its event by keyword; what a test does not
name gets a plain, valid value.
"""

from __future__ import annotations

from typing import Any

from ingest.events import (
    AudioReceived,
    CallEnded,
    CallStarted,
    CallSummary,
    DtmfReceived,
    TranscriptSegment,
)


def label_for_score(score: float) -> str:
    """VADER's usual cut-offs (+-0.05), for tests that only care about the score."""
    return "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"


def make_segment(call_id: str = "call-1", **fields: Any) -> TranscriptSegment:
    """A neutral English caller utterance; override any field by keyword.

    Given a `sentiment_score` without a `sentiment_label`, the label follows the score.
    """
    if "sentiment_score" in fields and "sentiment_label" not in fields:
        fields["sentiment_label"] = label_for_score(fields["sentiment_score"])
    values: dict[str, Any] = {
        "call_id": call_id,
        "speaker": "caller",
        "start": 0.0,
        "end": 1.5,
        "text": "hello there",
        "confidence": 0.9,
        "language": "en",
        "engine": "sphinx",
        "sentiment_score": 0.0,
        "sentiment_label": "neutral",
    }
    values.update(fields)
    return TranscriptSegment(**values)


def make_call_started(call_id: str = "call-1", **fields: Any) -> CallStarted:
    values: dict[str, Any] = {"call_id": call_id, "source": "twilio"}
    values.update(fields)
    return CallStarted(**values)


def make_call_ended(call_id: str = "call-1", **fields: Any) -> CallEnded:
    values: dict[str, Any] = {"call_id": call_id, "reason": "hangup"}
    values.update(fields)
    return CallEnded(**values)


def make_dtmf(call_id: str = "call-1", digit: str = "1", **fields: Any) -> DtmfReceived:
    values: dict[str, Any] = {"call_id": call_id, "speaker": "caller", "digit": digit, "audio_time": 0.0}
    values.update(fields)
    return DtmfReceived(**values)


def make_audio(
    pcm: bytes, call_id: str = "call-1", *, audio_time: float = 0.0, **fields: Any
) -> AudioReceived:
    values: dict[str, Any] = {
        "call_id": call_id,
        "speaker": "caller",
        "pcm": pcm,
        "sample_rate": 8000,
        "audio_time": audio_time,
    }
    values.update(fields)
    return AudioReceived(**values)


def make_call_summary(call_id: str = "call-1", **fields: Any) -> CallSummary:
    values: dict[str, Any] = {
        "call_id": call_id,
        "source": "twilio",
        "status": "active",
        "started_at": 1700000000.0,
    }
    values.update(fields)
    return CallSummary(**values)
