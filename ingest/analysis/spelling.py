"""One spelling for each word, before profanity, keywords and sentiment read a line.

Recognisers and people write the same word several ways: "dammit", "damnit"
and "damn it"; "god damn" and "goddamn"; "pissed-off"; "cancelation"; and
profanity filters mask it ("f***", "s**t"). The word lists match exact
spellings and VADER scores only the words its lexicon has ("damn", not
"dammit"), so every reader would need every variant. Instead each line is
rewritten once, here, to the spelling they know: the variants listed in
data/lexicon/spellings.toml (each with its reason), and masked words filled
in from the profanity list (data/profanity.txt) by their letters and length.

Pure, and idempotent: a rewritten line rewrites to itself.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SPELLINGS_FILE = DATA_DIR / "lexicon" / "spellings.toml"
PROFANITY_FILE = DATA_DIR / "profanity.txt"
PROFANITY_EXCEPTIONS_FILE = DATA_DIR / "profanity_exceptions.txt"
"""Phrases in which a listed word is no swearing ("a skin prick test"), as context exceptions."""

_MASKED = re.compile(r"(?<![\w*])[a-z]*\*+[a-z*]*(?![\w*])", re.IGNORECASE)
"""A word with asterisks standing for some of its letters ("f***", "a**hole")."""


def normalise_spelling(text: str) -> str:
    """`text` with spelling variants and masked profanity written the one known way."""
    if not text:
        return text
    pattern, canonical = _variant_pattern()
    if pattern is not None:
        text = pattern.sub(lambda match: _keep_caps(match.group(0), canonical[_key(match.group(0))]), text)
    if "*" in text:
        text = _MASKED.sub(_unmask, text)
    return text


def load_spellings(path: Path = SPELLINGS_FILE) -> dict[str, str]:
    """variant -> its one spelling, from a spellings file (every entry must say why)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for spelling, entry in data.get("spellings", {}).items():
        forms = _forms(path, spelling, entry)
        for form in forms:
            table.setdefault(_key(form), " ".join(spelling.lower().split()))
    return table


def fill_mask(masked: str, words: tuple[str, ...]) -> str | None:
    """The first of `words` that `masked` could stand for, each ``*`` one letter."""
    wanted = masked.lower()
    for word in words:
        if len(word) == len(wanted) and all(m in ("*", w) for m, w in zip(wanted, word, strict=True)):
            return word
    return None


def _forms(path: Path, spelling: str, entry: Any) -> list[str]:
    if not isinstance(entry, dict) or not isinstance(entry.get("forms"), list):
        raise ValueError(f"{path}: {spelling}: expected {{ forms = [...], reason = <text> }}")
    if not str(entry.get("reason", "")).strip():
        raise ValueError(f"{path}: {spelling}: every entry needs a reason")
    return [str(form) for form in entry["forms"]]


def _key(form: str) -> str:
    """Spaces and hyphens inside a form are one separator: "pissed-off" ~ "pissed off"."""
    return " ".join(re.split(r"[\s-]+", form.strip().lower()))


def _keep_caps(said: str, spelling: str) -> str:
    # VADER reads ALL CAPS as emphasis: "DAMMIT" stays shouted.
    return spelling.upper() if said.isupper() else spelling


def _unmask(match: re.Match[str]) -> str:
    said = match.group(0)
    if not any(char.isalpha() for char in said):
        return said  # "****" alone: nothing to go on
    word = fill_mask(said, _profane_words())
    return _keep_caps(said, word) if word is not None else said


@functools.lru_cache(maxsize=1)
def _variant_pattern() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    table = load_spellings()
    if not table:
        return None, {}
    # A spelling of several words is also what its hyphenated form becomes.
    table.update({spelling: spelling for spelling in set(table.values()) if " " in spelling})
    ordered = sorted(table, key=len, reverse=True)  # "god damn it" before "god damn"
    body = "|".join(r"[\s-]+".join(re.escape(part) for part in form.split()) for form in ordered)
    return re.compile(rf"(?<![\w'])(?:{body})(?!\w)", re.IGNORECASE), table


@functools.lru_cache(maxsize=1)
def _profane_words() -> tuple[str, ...]:
    """Single words of the profanity list, unmasked ones only, in the list's order."""
    words = []
    for line in PROFANITY_FILE.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip().lower()
        if word and " " not in word and "*" not in word:
            words.append(word)
    return tuple(words)
