"""Alert keywords and profanity in one utterance: whole words, any case.

A keyword counts only as a whole word ("cancel" matches "Cancel!" but not
"cancelled"; list inflections you care about). Context exceptions are phrases
in which a keyword is harmless: "cancel" inside "cancel the hold" or "manager"
inside "account manager" does not count. Patterns are compiled once per word
list and reused for every utterance.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

DEFAULT_ALERT_KEYWORDS: tuple[str, ...] = (
    "cancel", "supervisor", "manager", "complaint", "legal", "lawyer", "sue",
    "report", "escalate", "unacceptable", "disgusting", "terrible", "worst",
    "refund", "fraud", "scam", "lie", "liar", "incompetent", "idiot", "stupid",
)  # fmt: skip

DEFAULT_EXCEPTIONS: tuple[str, ...] = (
    "cancel the hold",
    "account manager",
    "relationship manager",
    "credit report",
)

PROFANITY_FILE = Path(__file__).resolve().parents[2] / "data" / "profanity.txt"


def spot_keywords(
    text: str,
    keywords: Iterable[str] = DEFAULT_ALERT_KEYWORDS,
    exceptions: Iterable[str] = DEFAULT_EXCEPTIONS,
) -> tuple[str, ...]:
    """The keywords said in `text` (lower case, first occurrence order, no repeats)."""
    matcher = _matcher(_normalised(keywords), _normalised(exceptions))
    return matcher.find(text)


def spot_profanity(text: str) -> tuple[str, ...]:
    """The profane words in `text`, as spelled in data/profanity.txt."""
    return _profanity_matcher().find(text)


def load_word_list(path: Path) -> tuple[str, ...]:
    """One word or phrase per line; blank lines and ``#`` comments ignored."""
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.append(word)
    return _normalised(words)


class WordMatcher:
    """Finds whole-word occurrences of a word list, minus context exceptions."""

    def __init__(self, words: tuple[str, ...], exceptions: tuple[str, ...] = ()) -> None:
        self._canonical = {_squash(word): word for word in words}
        self._words = _alternation(words)
        self._exceptions = _alternation(exceptions) if exceptions else None

    def find(self, text: str) -> tuple[str, ...]:
        if self._words is None or not text:
            return ()
        excluded = (
            [match.span() for match in self._exceptions.finditer(text)]
            if self._exceptions is not None
            else []
        )
        found: dict[str, None] = {}
        for match in self._words.finditer(text):
            start, end = match.span()
            if any(lo <= start and end <= hi for lo, hi in excluded):
                continue
            found.setdefault(self._canonical[_squash(match.group(0))], None)
        return tuple(found)


def _normalised(words: Iterable[str]) -> tuple[str, ...]:
    if isinstance(words, str):
        raise TypeError("expected a list of words, got one string")
    seen: dict[str, None] = {}
    for word in words:
        cleaned = " ".join(word.lower().split())
        if cleaned:
            seen.setdefault(cleaned, None)
    return tuple(seen)


def _squash(word: str) -> str:
    return " ".join(word.lower().split())


def _alternation(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    # Longest first so "fucking" wins over "fuck"; lookarounds instead of \b
    # so entries that end in a non-word character ("f***") still work.
    ordered = sorted(words, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(part) for part in word.split()) for word in ordered)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


@functools.lru_cache(maxsize=64)
def _matcher(keywords: tuple[str, ...], exceptions: tuple[str, ...]) -> WordMatcher:
    return WordMatcher(keywords, exceptions)


@functools.lru_cache(maxsize=1)
def _profanity_matcher() -> WordMatcher:
    return WordMatcher(load_word_list(PROFANITY_FILE))
