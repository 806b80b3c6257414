"""Sentiment of one utterance: VADER with a call-centre lexicon.

VADER scores word by word from a lexicon. On a support line that misreads a
lot: empathy ("I understand your frustration") scores negative, frustration
idioms ("fed up", "had enough") positive or nothing, implicit complaints
("down since Friday", "nobody ever calls me back") nothing, and claim
vocabulary ("storm damage") as distress. data/lexicon/phrases.toml holds the
corrections, each with its reason: word valences, and phrases.

VADER splits text on whitespace, so a multi-word entry can never match a
lexicon key. We join each known phrase into one token ("fed up" ->
"fed_up") before scoring and give that token the phrase's valence: the
phrase then counts once, as one word, its own words no longer count, and
VADER's rules still apply to it (a preceding "not" flips it, "really"
boosts it, ALL CAPS emphasises it, "but" weighs what follows).
"""

from __future__ import annotations

import functools
import itertools
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol

from ingest.analysis.thresholds import LABEL_NEGATIVE, LABEL_POSITIVE

SentimentLabel = Literal["positive", "negative", "neutral"]

LEXICON_FILE = Path(__file__).resolve().parents[2] / "data" / "lexicon" / "phrases.toml"

SLOTS: dict[str, tuple[str, ...]] = {
    "<day>": (
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "yesterday", "last week", "the weekend", "this morning", "last night",
    ),
    "<n>": ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "several", "so many"),
    "<nth>": ("second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"),
}  # fmt: skip
"""Placeholders a phrase may use, and what each stands for."""


class Sentiment(NamedTuple):
    score: float
    """VADER compound score in [-1, 1]."""
    label: SentimentLabel


class LexiconEntry(NamedTuple):
    valence: float
    reason: str


class _Analyzer(Protocol):
    lexicon: dict[str, float]

    def polarity_scores(self, text: str) -> dict[str, float]: ...


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
    compound = float(_analyzer().polarity_scores(join_phrases(text))["compound"])
    return Sentiment(compound, label_for(compound))


def load_lexicon(path: Path = LEXICON_FILE) -> tuple[dict[str, LexiconEntry], dict[str, LexiconEntry]]:
    """(words, phrases) from a lexicon file; phrase slots expanded."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    words = {_squash(key): _entry(key, value) for key, value in data.get("words", {}).items()}
    phrases: dict[str, LexiconEntry] = {}
    for key, value in data.get("phrases", {}).items():
        entry = _entry(key, value)
        for phrase in expand_slots(_squash(key)):
            phrases.setdefault(phrase, entry)
    return words, phrases


def expand_slots(phrase: str) -> Iterator[str]:
    """Every phrase a slotted one stands for: "down since <day>" -> "down since friday", ..."""
    parts = re.split(r"(<\w+>)", phrase)
    choices = [SLOTS.get(part, (part,)) for part in parts]
    for combination in itertools.product(*choices):
        yield " ".join("".join(combination).split())


def join_phrases(text: str) -> str:
    """`text` with every lexicon phrase joined into its one token, longest first."""
    pattern, tokens = _phrase_pattern()
    if pattern is None:
        return text

    def token(match: re.Match[str]) -> str:
        joined = tokens[_squash(match.group(0))]
        # Keep ALL CAPS so VADER's emphasis rule still sees it.
        return joined.upper() if match.group(0).isupper() else joined

    return pattern.sub(token, text)


def _entry(key: str, value: Any) -> LexiconEntry:
    if not isinstance(value, Mapping) or not isinstance(value.get("valence"), (int, float)):
        raise ValueError(f"{LEXICON_FILE}: {key}: expected {{ valence = <number>, reason = <text> }}")
    if not str(value.get("reason", "")).strip():
        raise ValueError(f"{LEXICON_FILE}: {key}: every entry needs a reason")
    return LexiconEntry(float(value["valence"]), str(value["reason"]))


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def _phrase_token(phrase: str) -> str:
    return "_".join(phrase.replace("'", "").split())


@functools.lru_cache(maxsize=1)
def _phrase_pattern() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    _, phrases = load_lexicon()
    if not phrases:
        return None, {}
    ordered = sorted(phrases, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(word) for word in phrase.split()) for phrase in ordered)
    pattern = re.compile(rf"(?<![\w'])(?:{body})(?![\w'])", re.IGNORECASE)
    return pattern, {phrase: _phrase_token(phrase) for phrase in phrases}


@functools.lru_cache(maxsize=1)
def _analyzer() -> _Analyzer:
    """The one VADER analyzer (loading its lexicon takes ~100 ms), built on first use."""
    # Lazy: vaderSentiment reads its lexicon file at construction.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: PLC0415 (see above)

    analyzer: _Analyzer = SentimentIntensityAnalyzer()
    words, phrases = load_lexicon()
    analyzer.lexicon.update({word: entry.valence for word, entry in words.items()})
    analyzer.lexicon.update({_phrase_token(phrase): entry.valence for phrase, entry in phrases.items()})
    return analyzer


def _words_lexicon() -> dict[str, float]:
    return {word: entry.valence for word, entry in load_lexicon()[0].items()}


CALL_CENTRE_LEXICON: dict[str, float] = _words_lexicon()
"""The word valences we add to VADER's (data/lexicon/phrases.toml, [words])."""
