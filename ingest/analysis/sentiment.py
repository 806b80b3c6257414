"""Sentiment of one utterance: VADER with call-centre vocabulary.

VADER scores word by word from a lexicon; we add the words that carry weight
on a support line ("cancel", "unacceptable", "resolved"...). VADER splits text
on whitespace, so a multi-word entry such as "thank you" can never match a
lexicon key. We join each known phrase into one token ("thank you" ->
"thank_you") before scoring and give that token the phrase's valence: the
phrase then counts once, as one word, and VADER's own rules still apply to it
(a preceding "not" flips it, "really" boosts it, ALL CAPS emphasises it).
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from ingest.analysis.thresholds import LABEL_NEGATIVE, LABEL_POSITIVE

SentimentLabel = Literal["positive", "negative", "neutral"]

CALL_CENTRE_LEXICON: dict[str, float] = {
    "cancel": -2.0,
    "cancellation": -1.5,
    "refund": -1.0,
    "escalate": -1.5,
    "supervisor": -0.5,
    "manager": -0.5,
    "complaint": -2.0,
    "unacceptable": -2.5,
    "resolved": 2.0,
    "thanks": 1.5,
    "appreciate": 2.0,
    "helpful": 2.5,
    "excellent": 3.0,
    "perfect": 3.0,
    "brilliant": 2.5,
    "sorted": 1.5,
    "wonderful": 3.0,
    "disgusting": -3.0,
    "incompetent": -3.0,
    "useless": -2.5,
    "ridiculous": -2.0,
}

CALL_CENTRE_PHRASES: dict[str, float] = {
    "thank you": 2.0,
    "waste of time": -2.5,
}


class Sentiment(NamedTuple):
    score: float
    """VADER compound score in [-1, 1]."""
    label: SentimentLabel


def label_for(score: float) -> SentimentLabel:
    """VADER's convention: >= 0.05 positive, <= -0.05 negative, else neutral."""
    if score >= LABEL_POSITIVE:
        return "positive"
    if score <= LABEL_NEGATIVE:
        return "negative"
    return "neutral"


def score_sentiment(text: str) -> Sentiment:
    """Score one utterance (English; score a translation for other languages)."""
    if not text.strip():
        return Sentiment(0.0, "neutral")
    compound = float(_analyzer().polarity_scores(_join_phrases(text))["compound"])
    return Sentiment(compound, label_for(compound))


def _phrase_token(phrase: str) -> str:
    return "_".join(phrase.split())


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(word) for word in phrase.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)


_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (_phrase_pattern(phrase), _phrase_token(phrase)) for phrase in CALL_CENTRE_PHRASES
)


def _join_phrases(text: str) -> str:
    for pattern, token in _PHRASES:
        # Keep ALL CAPS so VADER's emphasis rule still sees it.
        text = pattern.sub(lambda m, t=token: t.upper() if m.group(0).isupper() else t, text)
    return text


_ANALYZER = None


def _analyzer():  # type: ignore[no-untyped-def]
    """The one VADER analyzer (loading its lexicon takes ~100 ms), built on first use."""
    global _ANALYZER
    if _ANALYZER is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        analyzer = SentimentIntensityAnalyzer()
        analyzer.lexicon.update(CALL_CENTRE_LEXICON)
        analyzer.lexicon.update(
            {_phrase_token(phrase): valence for phrase, valence in CALL_CENTRE_PHRASES.items()}
        )
        _ANALYZER = analyzer
    return _ANALYZER
