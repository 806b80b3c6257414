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

The dispute context (issue 11, `DISPUTE_CONTEXT`): a person reading a call
hears "i posted it in may, i've got the receipt" between two complaints as
part of the complaint, though it has no feeling word of its own. So one
neutral caller line (no feeling word: score within +-0.05) right after a
negative one is *held*: it raises nothing itself and the streak shows 0
meanwhile. If the caller's next line is negative again, the held line is
read as part of the dispute: the streak counts it (negative, held line,
negative = 3 in a row) and its score in the rolling average becomes the
mean of the two complaints either side of it. If the next line is neutral
or positive, the held line stays what it was and the streak is broken, as
without the context. So a caller who mentions one problem and then chats is
never affected, and only one line can be held: two neutral lines in a row
end a dispute. The counts (positive, negative, neutral) keep each line's
own label; `context_lines` says how many lines of the current streak were
read in context, so an alert can say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ingest.analysis.thresholds import DEFAULT_ROLLING_WINDOW

DISPUTE_CONTEXT = True
"""Whether `update_mood` reads a lone neutral line between two complaints as
part of the dispute (module docstring); the default when no `context` is given."""


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
    """Negative utterances in a row up to now; any other label resets it
    (with the dispute context, a held line between two negatives counts)."""
    context_lines: int = 0
    """How many of the `consecutive_negative` lines were neutral lines read in
    the dispute's context (0 without the context)."""
    held_streak: int = 0
    """The streak a neutral line after a negative one is holding open (0: no
    line held); the streak resumes from it if the next line is negative."""
    held_context: int = 0
    """The held streak's `context_lines`."""
    held_after: float = 0.0
    """The score of the negative line before the held one."""

    @property
    def count(self) -> int:
        return self.positive + self.negative + self.neutral

    def average_of_last(self, n: int) -> float:
        """Mean of the last `n` scores kept (fewer when fewer were kept)."""
        last = self.recent[-n:]
        return sum(last) / len(last) if last else 0.0


def update_mood(
    mood: CallMood,
    score: float,
    label: str,
    window: int = DEFAULT_ROLLING_WINDOW,
    context: bool | None = None,
) -> CallMood:
    """The mood after one more scored utterance.

    `context` (default `DISPUTE_CONTEXT`): read a lone neutral line between
    two negative ones as part of the dispute (module docstring).
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    if label not in ("positive", "negative", "neutral"):
        raise ValueError(f"unknown sentiment label {label!r}")
    if context is None:
        context = DISPUTE_CONTEXT
    counted = CallMood(
        positive=mood.positive + (label == "positive"),
        negative=mood.negative + (label == "negative"),
        neutral=mood.neutral + (label == "neutral"),
    )
    if context and label == "neutral" and mood.consecutive_negative and mood.recent:
        return _with_score(
            replace(
                counted,
                held_streak=mood.consecutive_negative,
                held_context=mood.context_lines,
                held_after=mood.recent[-1],
            ),
            mood.recent,
            score,
            window,
        )
    if label != "negative":
        return _with_score(counted, mood.recent, score, window)
    if context and mood.held_streak and mood.recent:
        # The held line was part of the dispute: it takes the mean of the
        # complaints either side of it, and the streak runs through it.
        in_context = (mood.held_after + score) / 2
        return _with_score(
            replace(
                counted,
                consecutive_negative=mood.held_streak + 2,
                context_lines=mood.held_context + 1,
            ),
            (*mood.recent[:-1], in_context),
            score,
            window,
        )
    return _with_score(
        replace(
            counted,
            consecutive_negative=mood.consecutive_negative + 1,
            context_lines=mood.context_lines,
        ),
        mood.recent,
        score,
        window,
    )


def _with_score(mood: CallMood, recent: tuple[float, ...], score: float, window: int) -> CallMood:
    """`mood` with `score` appended to `recent` (the last `window` kept) and its mean."""
    kept = (*recent, score)[-window:]
    return replace(mood, recent=kept, rolling_average=sum(kept) / len(kept))


@dataclass(frozen=True, slots=True)
class PartyMoods:
    """The caller's mood (caller and mixed-stream lines) and the agent's, apart."""

    caller: CallMood = field(default_factory=CallMood)
    agent: CallMood = field(default_factory=CallMood)

    def of(self, speaker: str) -> CallMood:
        """The mood a line from `speaker` belongs to."""
        return self.agent if speaker == "agent" else self.caller


def update_party_moods(
    moods: PartyMoods,
    speaker: str,
    score: float,
    label: str,
    window: int = DEFAULT_ROLLING_WINDOW,
    context: bool | None = None,
) -> PartyMoods:
    """The moods after one more line from `speaker` ("agent", "caller" or "unknown")."""
    if speaker == "agent":
        return replace(moods, agent=update_mood(moods.agent, score, label, window, context))
    return replace(moods, caller=update_mood(moods.caller, score, label, window, context))
