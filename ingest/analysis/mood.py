"""A call's running mood: rolling sentiment, label counts, negative streak.

`CallMood` is immutable and `update_mood()` pure, so the pipeline keeps one
value per call and party and replaces it with each scored utterance.

The parties' moods are kept apart (`PartyMoods`): an agent's "I'm sorry to
hear that" must not complete a caller's negative streak, and the agent's
neutral lines must not dilute a caller's decline. The caller's mood comes
from caller lines only; agent lines between them neither break nor extend a
streak. On a mixed stream (speaker "unknown": one recording of both parties)
the parties cannot be told apart, so its lines feed the caller's mood: that
is the mood the customer-risk alert rules read, and missing a complaint is
worse there than reading an agent line into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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

    def average_of_last(self, n: int) -> float:
        """Mean of the last `n` scores kept (fewer when fewer were kept)."""
        last = self.recent[-n:]
        return sum(last) / len(last) if last else 0.0


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


@dataclass(frozen=True, slots=True)
class PartyMoods:
    """The caller's mood (caller and mixed-stream lines) and the agent's, apart."""

    caller: CallMood = field(default_factory=CallMood)
    agent: CallMood = field(default_factory=CallMood)

    def of(self, speaker: str) -> CallMood:
        """The mood a line from `speaker` belongs to."""
        return self.agent if speaker == "agent" else self.caller


def update_party_moods(
    moods: PartyMoods, speaker: str, score: float, label: str, window: int = DEFAULT_ROLLING_WINDOW
) -> PartyMoods:
    """The moods after one more line from `speaker` ("agent", "caller" or "unknown")."""
    if speaker == "agent":
        return replace(moods, agent=update_mood(moods.agent, score, label, window))
    return replace(moods, caller=update_mood(moods.caller, score, label, window))
