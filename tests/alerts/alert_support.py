"""Helpers shared by the alert tests (imported by module name, like other test helpers)."""

from __future__ import annotations

from ingest.events import TranscriptSegment
from tests.support import factories


def make_segment(
    text: str = "hello there",
    *,
    call_id: str = "call-1",
    speaker: str = "caller",
    start: float = 0.0,
    end: float | None = None,
    score: float = 0.0,
    label: str | None = None,
    confidence: float = 0.9,
    consecutive_negative: int = 0,
    rolling: float = 0.0,
    translation: str | None = None,
    profanity: tuple[str, ...] = (),
) -> TranscriptSegment:
    """The shared segment factory, in the terms alert rules read (score, rolling average)."""
    return factories.make_segment(
        call_id,
        speaker=speaker,
        start=start,
        end=start + 2.0 if end is None else end,
        text=text,
        confidence=confidence,
        engine="test",
        sentiment_score=score,
        sentiment_label=label or factories.label_for_score(score),
        profanity=profanity,
        translation=translation,
        rolling_sentiment=rolling,
        consecutive_negative=consecutive_negative,
    )
