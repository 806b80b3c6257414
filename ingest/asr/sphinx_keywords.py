"""pocketsphinx keyphrase spotting: the alert keywords as a keyword-list search.

The language-model search often loses rare words on unfamiliar voices
("attorney" heard as "modern"); a keyword-list (`kws`) search listens for
just the given phrases and is far less easily talked out of them. It runs as
a second pass over the same utterance and its finds are reported apart
(`Recognition.spotted`) with their own confidence.

Each phrase needs a detection threshold: short phrases are easy to hear by
accident, so they get a strict (larger) one, long ones a looser one; it is
derived from the phrase's phone count, as the CMU documentation advises
("1e-1 for short phrases, 1e-50 for long ones"). The search's own score
does not tell true finds from false ones (both about 0.85), so a find counts
only where the language model's words over the same stretch sound like it
(`confirmed_spots`); its confidence is how closely they do.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ingest.analysis.keywords import inflections

log = logging.getLogger(__name__)

SEARCH_NAME = "callmon_keywords"
MIN_PHONES = 4
"""Shorter phrases ("sue": S UW) are heard in half the sentences of a call
at any threshold that still finds them; of such a word, only its inflections
long enough to spot are listened for ("suing": S UW IH NG; "sued" and "sues"
stay with the language model alone)."""
_PRONUNCIATION_VARIANT = re.compile(r"\(\d+\)$")


@dataclass(frozen=True, slots=True)
class Keyphrase:
    phrase: str
    threshold: float


def keyphrase_threshold(phones: int) -> float:
    """Detection threshold for a phrase of `phones` phones (pure).

    Measured on flite and festival voices through the telephone path: 1e-10
    for a 4-phone word keeps false spots off ordinary sentences; each extra
    phone may be looser by a factor of 1e-3, capped at 1e-50.
    """
    exponent = min(50, 5 * phones - 10)
    return float(f"1e-{exponent}")


def keyphrases(decoder: Any, phrases: Iterable[str]) -> list[Keyphrase]:
    """The phrases every word of which the decoder's dictionary knows, with thresholds.

    A word not in the dictionary cannot be spotted; it is logged once and left out.
    """
    found: dict[str, Keyphrase] = {}
    for phrase in phrases:
        words = _words(phrase)
        if not words:
            continue
        phones = _phone_count(decoder, words)
        if phones is None:
            log.info("pocketsphinx cannot spot %r: a word of it is not in its dictionary", phrase)
            continue
        if phones < MIN_PHONES:
            # Too short to spot, but "i'm suing you" says it in a longer form.
            counts = {form: _phone_count(decoder, [form]) or 0 for form in inflections(" ".join(words))}
            longer = {form: count for form, count in counts.items() if count >= MIN_PHONES}
            if not longer:
                log.debug("pocketsphinx will not spot %r: too short to spot reliably", phrase)
            for form, count in longer.items():
                found.setdefault(form, Keyphrase(form, keyphrase_threshold(count)))
            continue
        text = " ".join(words)
        found.setdefault(text, Keyphrase(text, keyphrase_threshold(phones)))
    return list(found.values())


def _phone_count(decoder: Any, words: list[str]) -> int | None:
    """The phones of `words` in the decoder's dictionary; None if it lacks one of them."""
    pronunciations = [decoder.lookup_word(word) for word in words]
    if not all(pronunciations):
        return None
    return sum(len(str(p).split()) for p in pronunciations)


def keyword_list(phrases: Iterable[Keyphrase]) -> str:
    """The kws file format: one ``phrase /threshold/`` a line."""
    return "".join(f"{p.phrase} /{p.threshold:.0e}/\n" for p in phrases)


MAX_PHONE_DISTANCE = 0.15
"""A spot counts only when the language model's words over the same stretch
sound almost like it (at most 15% of its phones missing or different):
"complaints" confirms "complaint", "delivery date" does not confirm "attorney".
The keyword search alone, measured on flite voices, spots a keyword in about
one ordinary sentence in five. Calibrated on the end-to-end run
(bench/insight_e2e, 36 calls, 8 voices): every spot whose words were further
than 15% off was false ("complaint" on "for explaining", 0.33; "court" on
"sort of", 0.25; "manager" on "managed", 0.17) except one, while every true
spot but that one was confirmed at 0 or 0.14; the alert rules gate spots
at the same closeness (`min_spot_confidence`) for stored or other engines' spots.
Re-measured on fresh sentences apart from that corpus (bench/sphinx_spot_threshold,
8 voices in two halves): a looser threshold for short keywords (0.67) found more
on one half only (recall 0.33 -> 0.38) at precision 0.94, none on the other;
long keywords gain nothing below 0.85. So 0.85 stays, for every length."""


@dataclass(frozen=True, slots=True)
class Heard:
    """A word on the decoder's timeline (frames of 10 ms)."""

    word: str
    start_frame: int
    end_frame: int


def confirmed_spots(
    spots: Iterable[Heard], heard: list[Heard], phones_of: Callable[[str], list[str]]
) -> list[tuple[str, float]]:
    """Each spot the overlapping language-model words confirm, with how closely
    (1.0: the same phones, down to 1 - MAX_PHONE_DISTANCE). Pure given `phones_of`.

    The words compared are whole words: a run of consecutive words over the
    spot's stretch ("on acceptable" for "unacceptable", "candle" for
    "cancel"), never a piece of one, or a short keyword would be confirmed by
    any longer word that contains its sounds ("court" in "for twenty").
    """
    confirmed: dict[str, float] = {}
    for spot in spots:
        keyword = spot.word.strip()
        wanted = [phone for part in keyword.split() for phone in phones_of(part)]
        overlapping = [
            word
            for word in heard
            if word.end_frame >= spot.start_frame and word.start_frame <= spot.end_frame
        ]
        if not wanted or not overlapping:
            continue
        distance = min(
            _edit_distance(wanted, [p for word in overlapping[first:last] for p in phones_of(word.word)])
            for first in range(len(overlapping))
            for last in range(first + 1, len(overlapping) + 1)
        ) / len(wanted)
        if distance <= MAX_PHONE_DISTANCE:
            confirmed[keyword] = max(confirmed.get(keyword, 0.0), round(1.0 - distance, 3))
    return list(confirmed.items())


def _edit_distance(a: list[str], b: list[str]) -> int:
    previous = list(range(len(b) + 1))
    for i, phone in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, other in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (phone != other))
        previous = current
    return previous[-1]


def plain_word(word: str) -> str:
    """A decoder word without its pronunciation-variant mark: "will(2)" -> "will"."""
    return _PRONUNCIATION_VARIANT.sub("", word.strip())


def _words(phrase: str) -> list[str]:
    return re.findall(r"[a-z']+", phrase.lower())
