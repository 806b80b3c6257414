"""A call's running mood: rolling sentiment, label counts, negative streak.

`CallMood` is immutable and `update_mood()` pure, so the pipeline keeps one
value per call and replaces it with each scored utterance.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.analysis.thresholds import DEFAULT_ROLLING_WINDOW


@dataclass(frozen=True, slots=True)
class CallMood:
    recent: tuple[float, ...] = ()
    """The last `window` scores, oldest first."""
    rolling_average: float = 0.0
    """Mean of `recent` (0.0 before the first utterance)."""
    positive: int = 0
    negative: int = 0
    neutral: int = 0
    consecutive_negative: int = 0
    """Negative utterances in a row up to now; any other label resets it."""

    @property
    def count(self) -> int:
        return self.positive + self.negative + self.neutral


def update_mood(mood: CallMood, score: float, label: str, window: int = DEFAULT_ROLLING_WINDOW) -> CallMood:
    """The mood after one more scored utterance."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    if label not in ("positive", "negative", "neutral"):
        raise ValueError(f"unknown sentiment label {label!r}")
    recent = (*mood.recent, score)[-window:]
    return CallMood(
        recent=recent,
        rolling_average=sum(recent) / len(recent),
        positive=mood.positive + (label == "positive"),
        negative=mood.negative + (label == "negative"),
        neutral=mood.neutral + (label == "neutral"),
        consecutive_negative=mood.consecutive_negative + 1 if label == "negative" else 0,
    )
