"""The alert rules: settings as frozen dataclasses, checks as pure functions.

A check looks at one analysed `TranscriptSegment` and the call's
`CallAlertState` and says whether its rule fires (a `RuleHit`) or not.
Cooldowns, the confidence filter and merging live in `alerts.engine`; the
disclosure (compliance) rule, which needs the call's timeline, in
`alerts.compliance`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from alerts.levels import Level
from alerts.state import CallAlertState
from ingest.analysis import DEFAULT_EXCEPTIONS, spot_keywords, spot_profanity
from ingest.events import SPEAKERS, Speaker, TranscriptSegment


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
    speakers: tuple[Speaker, ...] = SPEAKERS


@dataclass(frozen=True, slots=True)
class ProfanityRule:
    name: str = "profanity"
    level: Level = "urgent"
    cooldown_s: float = 120.0
    enabled: bool = True
    speakers: tuple[Speaker, ...] = SPEAKERS


@dataclass(frozen=True, slots=True)
class NegativeStreakRule:
    """Fires when `count` or more negative utterances came in a row."""

    name: str
    level: Level
    cooldown_s: float
    count: int
    enabled: bool = True
    speakers: tuple[Speaker, ...] = SPEAKERS


@dataclass(frozen=True, slots=True)
class VeryNegativeRule:
    """Fires on one utterance scoring below `threshold`."""

    name: str = "very_negative"
    level: Level = "critical"
    cooldown_s: float = 60.0
    threshold: float = -0.7
    enabled: bool = True
    speakers: tuple[Speaker, ...] = SPEAKERS


@dataclass(frozen=True, slots=True)
class DecliningCallRule:
    """Fires when the call's rolling sentiment falls below `threshold`.

    `min_segments` keeps one bad first sentence from reading as a trend.
    """

    name: str = "declining_call"
    level: Level = "urgent"
    cooldown_s: float = 300.0
    threshold: float = -0.4
    min_segments: int = 3
    enabled: bool = True
    speakers: tuple[Speaker, ...] = SPEAKERS


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
    within_s: float = 30.0
    enabled: bool = True
    speakers: tuple[Speaker, ...] = ("agent", "unknown")


SegmentRule = KeywordRule | ProfanityRule | NegativeStreakRule | VeryNegativeRule | DecliningCallRule
WORD_RULES = (KeywordRule, ProfanityRule)
"""Rules that read words, and so are skipped on low-confidence segments."""

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
    keywords=("legal", "lawyer", "sue", "court", "regulator", "ombudsman"),
    label="legal threat",
)
DEFAULT_NEGATIVE_TREND = NegativeStreakRule(name="negative_trend", level="warning", cooldown_s=180.0, count=3)
DEFAULT_SEVERE_TREND = NegativeStreakRule(
    name="severe_negative_trend", level="urgent", cooldown_s=120.0, count=5
)


def check_rule(
    rule: SegmentRule,
    segment: TranscriptSegment,
    call: CallAlertState,
    exceptions: tuple[str, ...] = DEFAULT_EXCEPTIONS,
) -> RuleHit | None:
    """Whether `rule` fires on `segment` (ignoring cooldowns and confidence)."""
    if not rule.enabled or segment.speaker not in rule.speakers:
        return None
    if isinstance(rule, KeywordRule):
        return check_keywords(rule, segment, exceptions)
    if isinstance(rule, ProfanityRule):
        return check_profanity(rule, segment)
    if isinstance(rule, NegativeStreakRule):
        return check_negative_streak(rule, segment)
    if isinstance(rule, VeryNegativeRule):
        return check_very_negative(rule, segment)
    return check_declining_call(rule, segment, call)


def check_keywords(
    rule: KeywordRule, segment: TranscriptSegment, exceptions: tuple[str, ...]
) -> RuleHit | None:
    found = _union(spot_keywords(text, rule.keywords, exceptions) for text in _texts(segment))
    if not found:
        return None
    return RuleHit(rule.name, rule.level, f"{rule.label} {_quoted(found)}")


def check_profanity(rule: ProfanityRule, segment: TranscriptSegment) -> RuleHit | None:
    found = _union([segment.profanity, *(spot_profanity(text) for text in _texts(segment))])
    if not found:
        return None
    return RuleHit(rule.name, rule.level, f"profanity {_quoted(found)}")


def check_negative_streak(rule: NegativeStreakRule, segment: TranscriptSegment) -> RuleHit | None:
    if segment.consecutive_negative < rule.count:
        return None
    return RuleHit(rule.name, rule.level, f"{segment.consecutive_negative} negative utterances in a row")


def check_very_negative(rule: VeryNegativeRule, segment: TranscriptSegment) -> RuleHit | None:
    if segment.sentiment_score >= rule.threshold:
        return None
    return RuleHit(
        rule.name,
        rule.level,
        f"very negative utterance ({segment.sentiment_score:+.2f}, below {rule.threshold:+.2f})",
    )


def check_declining_call(
    rule: DecliningCallRule, segment: TranscriptSegment, call: CallAlertState
) -> RuleHit | None:
    # `call` has already counted this segment.
    if call.segments_seen < rule.min_segments or segment.rolling_sentiment >= rule.threshold:
        return None
    return RuleHit(
        rule.name,
        rule.level,
        f"call declining: rolling sentiment {segment.rolling_sentiment:+.2f}, below {rule.threshold:+.2f}",
    )


def _texts(segment: TranscriptSegment) -> list[str]:
    # Keywords may be said in the caller's language or show up in the translation.
    return [text for text in (segment.text, segment.translation) if text]


def _union(groups) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    found: dict[str, None] = {}
    for group in groups:
        for word in group:
            found.setdefault(word, None)
    return tuple(found)


def _quoted(words: tuple[str, ...]) -> str:
    return ", ".join(f'"{word}"' for word in words)
