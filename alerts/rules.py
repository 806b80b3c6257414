"""The alert rules: settings as frozen dataclasses, checks as pure functions.

A check looks at one analysed `TranscriptSegment` and the call's
`CallAlertState` and says whether its rule fires (a `RuleHit`) or not.
Cooldowns, the confidence filters, the moods and merging live in
`alerts.engine`; the disclosure (compliance) rule, which needs the call's
timeline, in `alerts.compliance`.

Rules are speaker-aware (SPEC.md, Alerts): each listens to `speakers`. The
customer-risk rules listen to the caller and to `unknown`: a mixed stream
(one recording of both parties) cannot tell them apart, and a threat must
not be missed because of that. The agent's own conduct is `agent_conduct`.
The disclosure listens to the agent and counts `unknown` as the agent.
Sentiment streaks and the rolling average are computed over the lines of the
rule's own speakers only (`CallAlertState.mood`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from alerts.levels import Level
from alerts.state import CallAlertState
from ingest.analysis import DEFAULT_EXCEPTIONS, spot_keywords, spot_profanity
from ingest.analysis.keyword_sense import Sense
from ingest.analysis.keywords import (
    Synonyms,
    default_synonyms,
    excepted_keywords,
    keyword_senses_in,
    keywords_in_unsure_exceptions,
)
from ingest.analysis.thresholds import ALERT, LABEL_NEGATIVE, NEGATIVE
from ingest.events import Speaker, TranscriptSegment

CUSTOMER: tuple[Speaker, ...] = ("caller", "unknown")
"""Who the customer-risk rules listen to (a mixed stream counts)."""
AGENT: tuple[Speaker, ...] = ("agent",)


class RuleHit(NamedTuple):
    rule: str
    level: Level
    reason: str


@dataclass(frozen=True, slots=True)
class KeywordRule:
    """Fires when the utterance (or its translation) contains one of `keywords`."""

    name: str
    level: Level
    cooldown_s: float
    keywords: tuple[str, ...]
    label: str = "keyword"
    """How the reason starts: 'keyword "cancel"', 'legal threat "lawyer"'."""
    enabled: bool = True
    speakers: tuple[Speaker, ...] = CUSTOMER
    synonyms: Synonyms | None = None
    """Other words per keyword ("lawyer": "attorney"); None: data/lexicon/keywords.toml."""
    inflections: bool = True
    """Also match "sued", "suing" for "sue"."""
    tolerant: bool = True
    """Match multi-word keywords despite one misheard word."""
    senses: bool = True
    """Read how the word is said (`ingest.analysis.keyword_sense`): a calm caller only
    mentioning it ("my cousin's a lawyer", "a court artist") raises nothing;
    "noise-cancelling" is no "cancel"."""


@dataclass(frozen=True, slots=True)
class ProfanityRule:
    name: str = "profanity"
    level: Level = "urgent"
    cooldown_s: float = 120.0
    enabled: bool = True
    speakers: tuple[Speaker, ...] = CUSTOMER


@dataclass(frozen=True, slots=True)
class NegativeStreakRule:
    """Fires when `count` or more negative utterances came in a row."""

    name: str
    level: Level
    cooldown_s: float
    count: int
    enabled: bool = True
    speakers: tuple[Speaker, ...] = CUSTOMER


@dataclass(frozen=True, slots=True)
class VeryNegativeRule:
    """Fires on one utterance scoring below `threshold`."""

    name: str = "very_negative"
    level: Level = "critical"
    cooldown_s: float = 60.0
    threshold: float = -0.7
    enabled: bool = True
    speakers: tuple[Speaker, ...] = CUSTOMER


@dataclass(frozen=True, slots=True)
class DecliningCallRule:
    """Fires when the caller's rolling sentiment (last `window` lines) falls below `threshold`.

    `min_segments` (the caller's lines so far) keeps one bad first sentence
    from reading as a trend.
    """

    name: str = "declining_call"
    level: Level = "urgent"
    cooldown_s: float = 300.0
    threshold: float = -0.4
    min_segments: int = 3
    window: int = 5
    enabled: bool = True
    speakers: tuple[Speaker, ...] = CUSTOMER


@dataclass(frozen=True, slots=True)
class AgentConductRule:
    """The agent's own conduct: profanity, or one line scoring below `threshold`."""

    name: str = "agent_conduct"
    level: Level = "urgent"
    cooldown_s: float = 120.0
    threshold: float = -0.7
    enabled: bool = True
    speakers: tuple[Speaker, ...] = AGENT


@dataclass(frozen=True, slots=True)
class DisclosureRule:
    """Compliance: the agent must say one of `phrases` in the first `within_s` seconds.

    "unknown" counts as the agent by default: a mixed (one-leg) stream cannot
    tell the parties apart, and only the agent reads a disclosure out.
    """

    name: str = "missing_disclosure"
    level: Level = "urgent"
    phrases: tuple[str, ...] = (
        "this call may be recorded",
        "this call is being recorded",
        "this call may be monitored or recorded",
    )
    variants: tuple[str, ...] = (
        "this call can be recorded",
        "calls are recorded",
        "calls may be recorded",
        "this call will be recorded",
        "this call is recorded",
        # Active and "recorded line" wordings, as many call centres say it (round 13:
        # agents of the blind14 corpus said "we record our calls", "you're on a
        # recorded line"; only passive wordings counted, so seven calls falsely alerted).
        "we record our calls",
        "we record calls",
        "you're on a recorded line",
        "this is a recorded line",
        "calls to this line are recorded",
        "calls are monitored and recorded",
        "we may record this call",
    )
    """Other wordings that count too (translations: "This call can be recorded")."""
    max_cost: float = 0.45
    """How far from a phrase the words may be (ingest.analysis.phrases; 0 = exact)."""
    within_s: float = 30.0
    enabled: bool = True
    speakers: tuple[Speaker, ...] = ("agent", "unknown")
    any_recording_wording: bool = True
    """Also count any wording that says the call is recorded ("this conversation is
    recorded", "we record these calls", "you're being recorded", "we keep recordings
    of our calls"; `alerts.compliance.says_calls_are_recorded`).
    Turn off when the required phrase is a particular script that must be read out."""
    near_cost: float = 0.7
    """A stretch of the agent's words this close to a phrase, but further than `max_cost`
    ("fiscal leave the record"), is a disclosure garbled by noise: it cannot be verified,
    and cannot show the phrase missing either. At or below `max_cost`: off."""
    report_unverified: bool = True
    """When every agent line of the first `within_s` was too unclear to judge, leave a
    `disclosure_unverified` notice at `unverified_level` instead of the alert."""
    unverified_level: Level = "warning"


SegmentRule = (
    KeywordRule | ProfanityRule | NegativeStreakRule | VeryNegativeRule | DecliningCallRule | AgentConductRule
)
WORD_RULES = (KeywordRule, ProfanityRule)
"""Rules that read words, and so are skipped on low-confidence segments."""

Said = list[tuple[tuple[str, ...], float]]
"""What each recognised word (or keyword spot) says, with the engine's confidence in it."""


@dataclass(frozen=True, slots=True)
class WordGate:
    """When a word rule believes the engine heard a word (pure).

    Calibrated on pocketsphinx over the rendered corpus (bench/insight_e2e;
    README, "The call's language, word confidences and keyword boosting"):
    word posteriors of correct words have a median of 0.72, of wrong ones
    0.23, so one threshold either drops
    clearly spoken keywords ("i'm suing your company": "suing" at 0.13) or
    lets guesses through. A keyword counts when

    - the transcript says it and its own confidence reaches `min_confidence`; or
    - the keyword-spotting pass found it there with a closeness of at least
      `min_spot_confidence` (the spot's sounds against the transcript's words
      over it). Where the transcript says it too, that is two independent
      searches over the same audio agreeing, whatever the word's posterior.

    Spots the transcript does not back that closely (0.6-0.83: "complaint" on
    "for explaining", "court" on "sort of") were all false in the calibration
    run but one. Without per-word figures the segment's confidence stands for
    the word.
    """

    min_confidence: float = 0.0
    min_spot_confidence: float = 0.85

    def trusts(
        self, found: str, heard: Said, spotted: Said, segment: TranscriptSegment, *, in_text: bool = True
    ) -> bool:
        """Whether `found` (said in the segment's text when `in_text`) was heard."""
        spots = [confidence for said, confidence in spotted if found in said]
        if spots and max(spots) >= self.min_spot_confidence:
            return True
        if not in_text:
            return False
        own = [confidence for said, confidence in heard if found in said]
        # No single recognised word says it (no per-word figures, a phrase, the
        # translation): the segment's confidence stands for it.
        return (max(own) if own else segment.confidence) >= self.min_confidence


MOOD_RULES = (NegativeStreakRule, DecliningCallRule)
"""Rules that read a mood over their speakers' lines."""

DEFAULT_KEYWORD_RULE = KeywordRule(
    name="keyword_detected",
    level="warning",
    cooldown_s=60.0,
    keywords=("cancel", "supervisor", "manager", "complaint", "escalate", "refund", "unacceptable"),
)
DEFAULT_LEGAL_RULE = KeywordRule(
    name="legal_threat",
    level="urgent",
    cooldown_s=0.0,
    keywords=("legal", "lawyer", "attorney", "solicitor", "sue", "court", "regulator", "ombudsman"),
    label="legal threat",
)
DEFAULT_PROFANITY = ProfanityRule()
DEFAULT_VERY_NEGATIVE = VeryNegativeRule()
DEFAULT_DECLINING = DecliningCallRule()
DEFAULT_AGENT_CONDUCT = AgentConductRule()
DEFAULT_DISCLOSURE = DisclosureRule()
DEFAULT_NEGATIVE_TREND = NegativeStreakRule(name="negative_trend", level="warning", cooldown_s=180.0, count=3)
DEFAULT_SEVERE_TREND = NegativeStreakRule(
    name="severe_negative_trend", level="urgent", cooldown_s=120.0, count=5
)


def check_rule(
    rule: SegmentRule,
    segment: TranscriptSegment,
    call: CallAlertState,
    exceptions: tuple[str, ...] = DEFAULT_EXCEPTIONS,
    *,
    words_trusted: bool = True,
    min_word_confidence: float = 0.0,
    gate: WordGate | None = None,
) -> RuleHit | None:
    """Whether `rule` fires on `segment` (ignoring cooldowns and sentiment confidence).

    `call` must already hold this segment in its moods. A word rule counts a
    word only when `gate` trusts it (see `WordGate`; None: a plain gate at
    `min_word_confidence`). `words_trusted` False leaves the agent's
    profanity out of `agent_conduct` altogether.
    """
    gate = gate if gate is not None else WordGate(min_confidence=min_word_confidence)
    if not rule.enabled or segment.speaker not in rule.speakers or not segment.transcribed:
        return None
    if isinstance(rule, KeywordRule):
        return check_keywords(rule, segment, exceptions, gate, calm=caller_calm(segment, call, rule.speakers))
    if isinstance(rule, ProfanityRule):
        return check_profanity(rule, segment, gate)
    if isinstance(rule, NegativeStreakRule):
        return check_negative_streak(rule, call)
    if isinstance(rule, VeryNegativeRule):
        return check_very_negative(rule, segment)
    if isinstance(rule, AgentConductRule):
        return check_agent_conduct(rule, segment, words_trusted, gate)
    return check_declining_call(rule, call)


def caller_calm(segment: TranscriptSegment, call: CallAlertState, speakers: Iterable[str]) -> bool:
    """The speaker had no negative streak before this line, the call is not going
    badly, and the line itself does not read bad enough for a supervisor's attention
    (`ALERT`): a legal word or job title only mentioned then is no threat.

    A mildly negative line alone does not make a caller upset: neutral lines
    that tell a small mishap ("my flight got cancelled", "the courier left it
    in the porch") read slightly negative, and on blind17 they turned mentions
    into threats (round 16)."""
    mood = call.mood(speakers)
    this_line = 1 if segment.sentiment_score <= LABEL_NEGATIVE else 0
    return (
        segment.sentiment_score > ALERT
        and mood.consecutive_negative - this_line <= 0
        and mood.rolling_average > NEGATIVE
    )


def check_keywords(
    rule: KeywordRule,
    segment: TranscriptSegment,
    exceptions: tuple[str, ...],
    gate: WordGate = WordGate(),
    *,
    calm: bool = False,
) -> RuleHit | None:
    """`calm`: keywords the transcript only mentions (`keyword_senses_in`) do not
    count; words inside another word ("noise-cancelling") never count."""

    def spot(text: str) -> tuple[str, ...]:
        return spot_keywords(
            text, rule.keywords, exceptions, rule.synonyms, inflect=rule.inflections, tolerant=rule.tolerant
        )

    in_text = _union(spot(text) for text in _texts(segment))
    # A spot is the same word the transcript heard: where the transcript has
    # the keyword only inside a context exception ("my account manager"),
    # the spot of it is excepted too.
    excepted = set(
        _union(
            excepted_keywords(text, rule.keywords, exceptions, rule.synonyms, inflect=rule.inflections)
            for text in _texts(segment)
        )
    ) - set(in_text)
    if rule.senses:
        unaimed = _unaimed(segment, rule, exceptions, calm)
        in_text = tuple(keyword for keyword in in_text if keyword not in unaimed)
        excepted |= unaimed
    spotted = [
        (tuple(keyword for keyword in spot(word.word) if keyword not in excepted), word.confidence)
        for word in segment.spotted
    ]
    found = _union([in_text, *(keywords for keywords, _ in spotted)])
    # "high-mile count manager": an exception's word heard as an unsure guess
    # may have been the exception ("my account manager"), which is no alert.
    if found and segment.words:
        misheard = keywords_in_unsure_exceptions(
            [(word.word, word.confidence) for word in segment.words],
            rule.keywords,
            exceptions,
            rule.synonyms,
            inflect=rule.inflections,
        )
        found = tuple(keyword for keyword in found if keyword not in misheard)
    heard = [(spot(word.word), word.confidence) for word in segment.words]
    found = tuple(
        keyword
        for keyword in found
        if gate.trusts(keyword, heard, spotted, segment, in_text=keyword in in_text)
    )
    if not found:
        return None
    return RuleHit(rule.name, rule.level, f"{rule.label} {_quoted(found)}")


def check_profanity(
    rule: ProfanityRule, segment: TranscriptSegment, gate: WordGate = WordGate()
) -> RuleHit | None:
    found = _trusted_profanity(segment, gate)
    if not found:
        return None
    return RuleHit(rule.name, rule.level, f"profanity {_quoted(found)}")


def check_negative_streak(rule: NegativeStreakRule, call: CallAlertState) -> RuleHit | None:
    mood = call.mood(rule.speakers)
    streak = mood.consecutive_negative
    if streak < rule.count:
        return None
    reason = f"{streak} negative {_whose(rule.speakers)}utterances in a row"
    if mood.context_lines:
        # The dispute context (ingest/analysis/mood.py): say which lines were read into it.
        reason += f" ({mood.context_lines} of them neutral, between complaints)"
    return RuleHit(rule.name, rule.level, reason)


def check_very_negative(rule: VeryNegativeRule, segment: TranscriptSegment) -> RuleHit | None:
    if segment.sentiment_score >= rule.threshold:
        return None
    return RuleHit(
        rule.name,
        rule.level,
        f"very negative utterance ({segment.sentiment_score:+.2f}, below {rule.threshold:+.2f})",
    )


def check_declining_call(rule: DecliningCallRule, call: CallAlertState) -> RuleHit | None:
    mood = call.mood(rule.speakers)
    rolling = round(mood.average_of_last(rule.window), 4)  # -0.4000000000000001 is -0.4
    if mood.count < rule.min_segments or rolling >= rule.threshold:
        return None
    return RuleHit(
        rule.name,
        rule.level,
        f"call declining: rolling sentiment {rolling:+.2f}, below {rule.threshold:+.2f}",
    )


def check_agent_conduct(
    rule: AgentConductRule,
    segment: TranscriptSegment,
    words_trusted: bool = True,
    gate: WordGate = WordGate(),
) -> RuleHit | None:
    reasons = []
    swearing = _trusted_profanity(segment, gate) if words_trusted else ()
    if swearing:
        reasons.append(f"agent profanity {_quoted(swearing)}")
    if segment.sentiment_score < rule.threshold:
        reasons.append(
            f"very negative agent utterance ({segment.sentiment_score:+.2f}, below {rule.threshold:+.2f})"
        )
    if not reasons:
        return None
    return RuleHit(rule.name, rule.level, "; ".join(reasons))


def _profanity(segment: TranscriptSegment) -> tuple[str, ...]:
    return _union([segment.profanity, *(spot_profanity(text) for text in _texts(segment))])


def _trusted_profanity(segment: TranscriptSegment, gate: WordGate) -> tuple[str, ...]:
    heard = [(spot_profanity(word.word), word.confidence) for word in segment.words]
    return tuple(word for word in _profanity(segment) if gate.trusts(word, heard, [], segment))


def _whose(speakers: tuple[Speaker, ...]) -> str:
    # "3 negative caller utterances in a row" when the rule listens to the caller.
    return "caller " if "caller" in speakers and "agent" not in speakers else ""


def _unaimed(
    segment: TranscriptSegment, rule: KeywordRule, exceptions: tuple[str, ...], calm: bool
) -> set[str]:
    """Keywords no text of the segment aims at the company: only parts of other
    words, or (when `calm`) only mentions."""
    excused: tuple[Sense, ...] = (
        ("compound", "name", "other", "mention") if calm else ("compound", "name", "other")
    )
    said: dict[str, bool] = {}
    for text in _texts(segment):
        senses = keyword_senses_in(text, rule.keywords, exceptions, rule.synonyms, inflect=rule.inflections)
        for keyword, sense in senses.items():
            said[keyword] = said.get(keyword, True) and sense in excused
    return {keyword for keyword, unaimed in said.items() if unaimed}


def _texts(segment: TranscriptSegment) -> list[str]:
    # Keywords may be said in the caller's language or show up in the translation.
    return [text for text in (segment.text, segment.translation) if text]


def _union(groups: Iterable[Iterable[str]]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for group in groups:
        for word in group:
            found.setdefault(word, None)
    return tuple(found)


def _quoted(words: tuple[str, ...]) -> str:
    return ", ".join(f'"{word}"' for word in words)


def boost_keywords(rules: tuple[SegmentRule, ...]) -> tuple[str, ...]:
    """The words speech-to-text engines should listen hardest for: every
    enabled keyword rule's keywords and their synonyms ("lawyer": "attorney").

    Passed down to ingest by the composition root (ingest never imports
    alerts), so keyword boosting follows the alert configuration.

    A synonym that is an acronym ("ftc", "fca", "accc": `ACRONYM_LETTERS` letters or
    fewer) is matched in the transcript but not boosted: a decoder pushed towards a
    three-letter token writes it for any short run of syllables (round 19: whisper
    heard "beauty, see you" as "ftc u"), and it knows the acronyms it hears anyway.
    """
    words: dict[str, None] = {}
    for rule in rules:
        if not isinstance(rule, KeywordRule) or not rule.enabled:
            continue
        table = dict(rule.synonyms if rule.synonyms is not None else default_synonyms())
        for keyword in rule.keywords:
            words.setdefault(keyword, None)
            for synonym in table.get(keyword, ()):
                if " " in synonym or len(synonym) > ACRONYM_LETTERS:
                    words.setdefault(synonym, None)
    return tuple(words)


ACRONYM_LETTERS = 4
"""A one-word synonym this short is an acronym, left out of the boosted words."""
