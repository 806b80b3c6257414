"""The alert engine's pure core: rules -> cooldowns -> one merged verdict.

Cooldowns run on call time (a segment's ``start``, seconds of audio since the
call began), never on the wall clock: the same call replays to the same alerts,
and tests need no sleeping. A rule in cooldown stays quiet, but other rules
still fire, so a warning's cooldown never hides an urgent or critical alert.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from typing import NamedTuple

from alerts.compliance import (
    check_disclosure_at_end,
    check_disclosure_deadline,
    note_late_utterance,
    observe_disclosure,
)
from alerts.config import AlertSettings
from alerts.levels import Level, highest
from alerts.rules import MOOD_RULES, WORD_RULES, RuleHit, SegmentRule, WordGate, check_rule
from alerts.state import CallAlertState, mood_key
from alerts.trust import heard_sentiment
from ingest.analysis import label_for, update_mood
from ingest.analysis.mood import dispute_context_for
from ingest.events import AlertRaised, TranscriptSegment, UtteranceLate

MOOD_WINDOW = 20
"""Scores kept per mood; a declining rule averages its own `window` of them."""


class Verdict(NamedTuple):
    """What one utterance (or a call's end) raises: one alert, every reason."""

    level: Level
    rules: tuple[str, ...]
    reasons: tuple[str, ...]


def merge_hits(hits: list[RuleHit]) -> Verdict | None:
    """One verdict at the highest level of `hits`, keeping each rule and reason in order."""
    if not hits:
        return None
    return Verdict(
        highest([hit.level for hit in hits]),
        tuple(hit.rule for hit in hits),
        tuple(hit.reason for hit in hits),
    )


def cooled_down(call: CallAlertState, rule: str, cooldown_s: float, at: float) -> bool:
    """Whether `rule` may fire again at call time `at`."""
    last = call.last_fired.get(rule)
    # Two speakers' segments can arrive slightly out of time order: a
    # negative gap counts as still cooling down.
    return last is None or cooldown_s <= 0 or at - last >= cooldown_s


def evaluate_segment(
    settings: AlertSettings, call: CallAlertState, segment: TranscriptSegment
) -> tuple[CallAlertState, Verdict | None]:
    """The call's next state and what `segment` raises, if anything."""
    at = segment.start
    if not segment.transcribed:
        return call, None  # no text, no score: nothing to judge (SPEC: Alerts)
    call = dataclasses.replace(
        call, segments_seen=call.segments_seen + 1, last_time=max(call.last_time, segment.end)
    )
    call = observe_disclosure(settings.missing_disclosure, call, segment, settings.min_sentiment_confidence)
    if settings.sentiment_on_heard_words:
        # Only the sentiment changes: word rules still read every word, each on its own confidence.
        segment = heard_sentiment(segment, settings.min_confidence)
    sentiment_trusted = segment.confidence >= settings.min_sentiment_confidence
    if sentiment_trusted:
        call = observe_moods(settings.segment_rules, call, segment)
    gate = word_gate_for(settings, segment)
    hits: list[RuleHit] = []
    for rule in settings.segment_rules:
        # Word rules judge each matched word on its own confidence (a low one
        # is likely a speech-to-text hallucination), falling back to the
        # segment's when the engine gave no per-word figures.
        if not isinstance(rule, WORD_RULES) and not sentiment_trusted:
            continue  # garbage words score garbage sentiment
        hit = check_rule(
            rule,
            segment,
            call,
            settings.exceptions,
            gate=gate,
        )
        if hit is not None and cooled_down(call, rule.name, rule.cooldown_s, at):
            hits.append(hit)
    call, disclosure = check_disclosure_deadline(settings.missing_disclosure, call, segment)
    if disclosure is not None:
        hits.append(disclosure)
    if hits:
        fired = {hit.rule: at for hit in hits}
        call = dataclasses.replace(call, last_fired={**call.last_fired, **fired})
    return call, merge_hits(hits)


def word_gate_for(settings: AlertSettings, segment: TranscriptSegment) -> WordGate:
    """The word gate for `segment`: in a line below the segment gate, only words heard clearly.

    A keyword spot rescues a keyword the transcript heard at a low posterior
    ("i'm suing your company": "suing" at 0.13 on a clean line). In a line
    below the segment gate (`min_sentiment_confidence`; SPEC: such segments
    raise no alert) the spot agrees with a guess: under babble a neighbour's
    "a refund" (0.38, in a line at 0.23) is heard that way on a quiet call.
    There a keyword counts only on its own confidence, as the SPEC's
    exception for a clearly heard word ("lawyer" at 0.9 in a mumbled line).
    faster-whisper's words are judged against their own threshold.
    """
    gate = settings.word_gate
    if segment.engine == WHISPER_ENGINE:
        gate = dataclasses.replace(gate, min_confidence=settings.min_whisper_word_confidence)
    if segment.confidence >= settings.min_sentiment_confidence:
        return gate
    return dataclasses.replace(gate, min_spot_confidence=SPOTS_OFF)


WHISPER_ENGINE = "whisper"
"""The engine name of faster-whisper's segments, whose word probabilities have their
own gate (`AlertSettings.min_whisper_word_confidence`)."""


SPOTS_OFF = 2.0
"""A spot closeness no spot reaches (they run 0..1)."""


def observe_moods(
    rules: tuple[SegmentRule, ...], call: CallAlertState, segment: TranscriptSegment
) -> CallAlertState:
    """Add `segment`'s score to the mood of every set of speakers a mood rule listens to.

    A caller-only mood never sees agent lines, so they neither break nor
    extend the caller's streak.
    """
    keys = {mood_key(rule.speakers) for rule in rules if isinstance(rule, MOOD_RULES)}
    label = segment.sentiment_label
    if label not in ("positive", "negative", "neutral"):
        label = label_for(segment.sentiment_score)  # bad wire input: trust the score
    moods = dict(call.moods)
    context = dispute_context_for(segment.speaker, segment.translation or segment.text)
    for key in keys:
        if segment.speaker in key:
            moods[key] = update_mood(call.mood(key), segment.sentiment_score, label, MOOD_WINDOW, context)
    return dataclasses.replace(call, moods=moods)


def evaluate_late_utterance(
    settings: AlertSettings, call: CallAlertState, late: UtteranceLate
) -> tuple[CallAlertState, Verdict | None]:
    """What a line going late, or settling, raises: a disclosure verdict the deadline held."""
    call, hit = note_late_utterance(settings.missing_disclosure, call, late)
    return call, merge_hits([hit] if hit is not None else [])


def evaluate_call_end(settings: AlertSettings, call: CallAlertState) -> tuple[CallAlertState, Verdict | None]:
    """What the end of the call raises: a disclosure never made."""
    hit = check_disclosure_at_end(settings.missing_disclosure, call)
    if hit is None:
        return call, None
    return dataclasses.replace(call, disclosure_reported=True), merge_hits([hit])


def alert_for(
    alert_id: str,
    call_id: str,
    verdict: Verdict,
    segment: TranscriptSegment | None,
    raised_at: float,
    agent: str | None = None,
) -> AlertRaised:
    """The alert `verdict` raises on `segment` (None: at the call's end, the agent's rule)."""
    return AlertRaised(
        id=alert_id,
        call_id=call_id,
        level=verdict.level,
        rules=verdict.rules,
        reasons=verdict.reasons,
        text=segment.text if segment else "",
        speaker=segment.speaker if segment else "agent",
        score=segment.sentiment_score if segment else None,
        rolling_score=segment.rolling_sentiment if segment else None,
        raised_at=raised_at,
        agent=agent,
    )


def replay_call(
    settings: AlertSettings, call_id: str, segments: list[TranscriptSegment]
) -> list[tuple[Verdict, TranscriptSegment | None]]:
    """What the rules raise over a stored call: its segments in audio-time order, then its end.

    Each verdict comes with the segment that raised it (None: the call's end).
    Live, the two tracks' segments arrive in the order they were recognised;
    in audio-time order a rule change is judged on what was said when, so a
    change to the rules can be measured on recorded calls in seconds
    (bench/insight_e2e --rescore --realert).
    """
    engine = AlertEngine(settings)
    engine.start_call(call_id)
    raised: list[tuple[Verdict, TranscriptSegment | None]] = []
    for segment in sorted(segments, key=lambda segment: (segment.start, segment.end)):
        verdict = engine.on_segment(segment)
        if verdict is not None:
            raised.append((verdict, segment))
    verdict = engine.end_call(call_id)
    if verdict is not None:
        raised.append((verdict, None))
    return raised


ENDED_CALLS_KEPT = 10_000
"""How many ended calls' final states are remembered for stragglers."""


class AlertEngine:
    """Keeps each live call's `CallAlertState`; no I/O, no clock.

    A segment can still arrive after its call ended (a connection cut for a
    flood while its utterances were being recognised). It is judged against
    the call's final state, so a rule that fires once per call (the
    disclosure) cannot fire a second time from a fresh state, and the call does
    not come back to life; its keywords still count.
    """

    def __init__(self, settings: AlertSettings) -> None:
        self.settings = settings
        self._calls: dict[str, CallAlertState] = {}
        self._ended: OrderedDict[str, CallAlertState] = OrderedDict()

    def start_call(self, call_id: str) -> None:
        self._calls.setdefault(call_id, CallAlertState(call_id))

    def state(self, call_id: str) -> CallAlertState:
        return self._calls.get(call_id) or self._ended.get(call_id) or CallAlertState(call_id)

    def on_segment(self, segment: TranscriptSegment) -> Verdict | None:
        state, verdict = evaluate_segment(self.settings, self.state(segment.call_id), segment)
        self._keep(segment.call_id, state)
        return verdict

    def _keep(self, call_id: str, state: CallAlertState) -> None:
        if call_id in self._ended and call_id not in self._calls:
            self._ended[call_id] = state
        else:
            self._calls[call_id] = state

    def on_late_utterance(self, late: UtteranceLate) -> Verdict | None:
        state, verdict = evaluate_late_utterance(self.settings, self.state(late.call_id), late)
        self._keep(late.call_id, state)
        return verdict

    def end_call(self, call_id: str) -> Verdict | None:
        """The call's last verdict; its state leaves the live calls (kept for stragglers)."""
        state, verdict = evaluate_call_end(self.settings, self.state(call_id))
        self._calls.pop(call_id, None)
        # The end has judged the disclosure: a straggler cannot judge it again.
        self._ended[call_id] = dataclasses.replace(state, disclosure_reported=True)
        self._ended.move_to_end(call_id)
        while len(self._ended) > ENDED_CALLS_KEPT:
            self._ended.popitem(last=False)
        return verdict

    @property
    def live_calls(self) -> tuple[str, ...]:
        return tuple(self._calls)
