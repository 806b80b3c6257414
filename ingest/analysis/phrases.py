"""ASR-tolerant phrase matching: does a transcript contain a required phrase?

Speech-to-text rarely hears a phrase word for word: "this call may be
recorded" comes back as "good call may be recorded", "this call maybe
recorded" or "talk may be recorded". An exact substring test turns each of
those into a false "missing disclosure". Here the phrase is aligned, token by
token, against the best-matching stretch of the transcript (a semi-global
alignment: words before and after the stretch are free), with

- a substitution cost that is 0 for the same word, small for a word that
  sounds the same (`sound_key`) or is spelled almost the same, and full for
  anything else;
- merges and splits: "maybe" for "may be", "call centre" for "callcentre";
- cheap function words ("this", "may", "be") and dear content words
  ("call", "recorded"), so losing "this" costs little and losing "recorded"
  a lot;
- an anchor: the phrase's last content word must be heard (well enough), so
  "this call may be transferred" is not a recording disclosure.

Everything here is pure and deterministic.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import NamedTuple

DEFAULT_MAX_COST = 0.45
"""Alignment cost per unit of phrase weight above which a stretch is no match."""

FUNCTION_WORDS = frozenset({
    "a", "an", "the", "this", "that", "these", "those", "is", "are", "was", "were", "be", "been",
    "being", "am", "may", "might", "can", "could", "will", "would", "shall", "should", "do",
    "does", "did", "to", "of", "in", "on", "at", "for", "by", "with", "or", "and", "but", "it",
    "its", "i", "you", "we", "they", "he", "she", "my", "your", "our", "their", "me", "us", "them",
})  # fmt: skip
_FUNCTION_WEIGHT = 0.5
_CONTENT_WEIGHT = 1.0
MAX_WORD_DISTANCE = 0.5
"""By default a content word counts as heard up to this `word_distance` ("call" for "talk")."""
_NOT_WORD = re.compile(r"[^\w']+")


class PhraseMatch(NamedTuple):
    phrase: str
    start: int
    """Index of the first transcript token of the matched stretch."""
    end: int
    """Index one past its last token."""
    cost: float
    """Alignment cost per unit of phrase weight (0 = word for word)."""


def tokens(text: str) -> tuple[str, ...]:
    """Lower-case words, punctuation dropped ("Recorded." -> "recorded")."""
    return tuple(word.strip("'") for word in _NOT_WORD.sub(" ", text.lower()).split() if word.strip("'"))


@functools.lru_cache(maxsize=65_536)
def sound_key(word: str) -> str:
    """A small phonetic key: words that sound alike get the same key.

    Soundex-like but order-preserving and a little finer: the first letter
    kept as a sound class, vowels and h/w/y dropped after it, letters grouped
    by how they sound, digraphs folded (ph->f, ck->k, th->t, sh/ch->s), runs
    collapsed. "recorded"/"recordid", "call"/"cal", "sued"/"sewed" agree.
    """
    word = re.sub(r"[^a-z]", "", word.lower())
    if not word:
        return ""
    for digraph, sound in (("ph", "f"), ("ck", "k"), ("th", "t"), ("sh", "s"), ("ch", "s"), ("gh", "")):
        word = word.replace(digraph, sound)
    if not word:
        return ""
    key = [_SOUND_CLASS.get(word[0], word[0])]
    for letter in word[1:]:
        sound = _SOUND_CLASS.get(letter, "")
        if sound and sound != key[-1]:
            key.append(sound)
        elif not sound and letter in "aeiou":
            key.append("")  # a vowel separates repeats: "tt" collapses, "tat" does not
    return "".join(key)


_SOUND_CLASS = {
    **dict.fromkeys("aeiouy", "a"),
    **dict.fromkeys("bfpv", "b"),
    **dict.fromkeys("cgjkqsxz", "c"),
    **dict.fromkeys("dt", "d"),
    "l": "l",
    **dict.fromkeys("mn", "m"),
    "r": "r",
}


@functools.lru_cache(maxsize=65_536)
def spelled_distance(heard: str, expected: str) -> float:
    """Letter edits per letter of the longer word: 0 (same) .. 1."""
    if heard == expected:
        return 0.0
    return _levenshtein(heard, expected) / max(len(heard), len(expected), 1)


def word_distance(heard: str, expected: str) -> float:
    """0 (same word) .. 1 (unrelated): spelling or sound, whichever is closer.

    Cached, like `sound_key`: alignment compares every heard word with every
    phrase word on each agent line, and calls repeat the same few hundred words
    (bench/ingest_capacity showed the two at ~15% of a worker's CPU)."""
    if heard == expected:
        return 0.0
    if sound_key(heard) == sound_key(expected) and sound_key(heard):
        return 0.25
    spelled = _levenshtein(heard, expected) / max(len(heard), len(expected))
    return spelled if spelled <= 0.5 else 1.0


def find_phrase(
    text: str,
    phrase: str,
    max_cost: float = DEFAULT_MAX_COST,
    max_word_distance: float = MAX_WORD_DISTANCE,
) -> PhraseMatch | None:
    """The best match of `phrase` in `text`, if its cost is at most `max_cost`.

    A content word counts as heard up to `max_word_distance` (`word_distance`).
    """
    return _find(tokens(text), tokens(phrase), phrase, max_cost, max_word_distance)


def find_any_phrase(
    text: str,
    phrases: Iterable[str],
    max_cost: float = DEFAULT_MAX_COST,
    max_word_distance: float = MAX_WORD_DISTANCE,
) -> PhraseMatch | None:
    """The cheapest match of any of `phrases` in `text`."""
    heard = tokens(text)
    best: PhraseMatch | None = None
    for phrase in phrases:
        found = _find(heard, tokens(phrase), phrase, max_cost, max_word_distance)
        if found is not None and (best is None or found.cost < best.cost):
            best = found
    return best


def _find(
    heard: tuple[str, ...], wanted: tuple[str, ...], phrase: str, max_cost: float, max_distance: float
) -> PhraseMatch | None:
    if not heard or not wanted:
        return None
    return _align(heard, wanted, phrase, max_cost, max_distance)


def _weight(word: str) -> float:
    return _FUNCTION_WEIGHT if word in FUNCTION_WORDS else _CONTENT_WEIGHT


def _anchor(wanted: tuple[str, ...]) -> int:
    content = [i for i, word in enumerate(wanted) if word not in FUNCTION_WORDS]
    return content[-1] if content else len(wanted) - 1


class _Cell(NamedTuple):
    cost: float
    start: int


_NO = _Cell(float("inf"), 0)


def _align(
    heard: tuple[str, ...], wanted: tuple[str, ...], phrase: str, max_cost: float, max_distance: float
) -> PhraseMatch | None:
    """Semi-global alignment: the whole phrase against any stretch of `heard`.

    Cell [i][j] is the cheapest alignment of wanted[:i] ending at heard[:j],
    with the index where its stretch starts. The anchor word may be misheard
    (a little) but never left out.
    """
    n, m = len(wanted), len(heard)
    anchor = _anchor(wanted)
    total = sum(_weight(word) for word in wanted)
    rows = [[_NO] * (m + 1) for _ in range(n + 1)]
    rows[0] = [_Cell(0.0, j) for j in range(m + 1)]  # free leading words
    for i in range(1, n + 1):
        word = wanted[i - 1]
        weight = _weight(word)
        for j in range(m + 1):
            options = [_NO]
            if i - 1 != anchor:
                options.append(_moved(rows[i - 1][j], weight))  # phrase word not heard
            if j > 0:
                # An extra heard word inside the stretch costs like a function word.
                options.append(_moved(rows[i][j - 1], _FUNCTION_WEIGHT))
                distance = word_distance(heard[j - 1], word)
                if distance <= max_distance or (word in FUNCTION_WORDS and i - 1 != anchor):
                    options.append(_moved(rows[i - 1][j - 1], weight * distance))
                if i > 1 and heard[j - 1] == wanted[i - 2] + word:  # "maybe" for "may be"
                    options.append(_moved(rows[i - 2][j - 1], 0.0))
                if j > 1 and heard[j - 2] + heard[j - 1] == word:  # "call centre" split
                    options.append(_moved(rows[i - 1][j - 2], 0.0))
            rows[i][j] = min(options, key=lambda cell: cell.cost)
    best: PhraseMatch | None = None
    for j in range(1, m + 1):
        cost = rows[n][j].cost / total
        if cost <= max_cost and (best is None or cost < best.cost):
            best = PhraseMatch(phrase, rows[n][j].start, j, round(cost, 4))
    return best


def _moved(cell: _Cell, cost: float) -> _Cell:
    return _Cell(cell.cost + cost, cell.start)


@functools.lru_cache(maxsize=4096)
def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, left in enumerate(a, 1):
        current = [i]
        for j, right in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (left != right)))
        previous = current
    return previous[-1]
