"""Pure text analysis of one utterance: sentiment, alert keywords, profanity,
and the per-call running mood. No I/O beyond loading word lists once."""

from __future__ import annotations

from typing import NamedTuple

from ingest.analysis import thresholds
from ingest.analysis.keywords import (
    DEFAULT_ALERT_KEYWORDS,
    DEFAULT_EXCEPTIONS,
    spot_keywords,
    spot_profanity,
)
from ingest.analysis.mood import CallMood, PartyMoods, update_mood, update_party_moods
from ingest.analysis.sentiment import Sentiment, label_for, score_sentiment


class TextAnalysis(NamedTuple):
    sentiment: Sentiment
    keywords: tuple[str, ...]
    profanity: tuple[str, ...]


def analyse_text(text: str) -> TextAnalysis:
    """Everything we read from one utterance's (English) text."""
    return TextAnalysis(score_sentiment(text), spot_keywords(text), spot_profanity(text))


__all__ = [
    "DEFAULT_ALERT_KEYWORDS",
    "DEFAULT_EXCEPTIONS",
    "CallMood",
    "PartyMoods",
    "Sentiment",
    "TextAnalysis",
    "analyse_text",
    "label_for",
    "score_sentiment",
    "spot_keywords",
    "spot_profanity",
    "thresholds",
    "update_mood",
    "update_party_moods",
]
