"""Implicit complaints: facts a caller states that are complaints.

"It's been down since Friday", "I took the day off for it", "this is the
third time I've called": VADER scores these words as nothing. The patterns
of data/lexicon/complaints.toml describe such constructions over word
classes (repeated contact, outages that last, time wasted, promises not
kept, being ignored) rather than listing sentences, so they reach phrasings
nobody wrote down.

`mark_complaints()` replaces the first complaint in a line with one token
that `ingest.analysis.sentiment` scores as a plainly negative word, and any
further ones with a neutral token: a line stating two facts is still one
complaint (see the data file's header). `sarcastic_clause()` finds the
clause before a line-final positive interjection ("..., brilliant"), and
`sarcastic_opening()` the clause after an opening one with its lead ("oh
great, ..."), for the scorer to read as sarcasm when that clause is negative.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from ingest.analysis.keywords import inflections

COMPLAINTS_FILE = Path(__file__).resolve().parents[2] / "data" / "lexicon" / "complaints.toml"

COMPLAINT_TOKEN = "callmon_complaint"
"""Stands for the line's (first) implicit complaint."""
REPEATED_TOKEN = "callmon_also_complaint"
"""Stands for any further complaint in the same line: neutral."""
COMPLAINT_VALENCE = -2.1
"""As negative as VADER's "wrong" or "broken": a complaint stated calmly."""

_GAP = r"(?:\s+(?!but\b)[\w'-]+){0,4}?"
"""`~`: up to four words, never across punctuation or a "but"."""
_TENS = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?)"
)
_SMALL = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|a|" + _TENS + ")"
_NUMBER = (
    rf"(?:\d[\d,.]*|{_SMALL}\s+(?:hundred|thousand|grand)(?:\s+and\s+{_SMALL})?"
    rf"(?:\s+(?:hundred|thousand|grand))?|{_TENS})"
)
"""`<number>` in a class: digits, a number word with its units ("forty five"), or an
amount in hundreds or thousands ("three hundred and forty", "two grand"): money lost is
said as an amount (round 5)."""
_WORD_TOKENS = {
    "<word>": r"(?!but\b)[\w'-]+",
    "<ing>": r"[\w']+ing",
    "<ed>": r"[\w']+(?:ed|en)",
}
"""Open word slots of a pattern (round 5): any one word, an -ing form, a past form.
They let a pattern describe a construction ("nobody even <ed>", "you're still <ing>")
instead of listing its verbs."""


_SARCASM_LEAD = r"(?:(?:oh|well|just|how|really|so)\s+)*"
"""Words that may come before a sarcastic interjection ("oh just brilliant")."""


class ComplaintPattern(NamedTuple):
    pattern: str
    reason: str


def load_patterns(path: Path = COMPLAINTS_FILE) -> tuple[dict[str, tuple[str, ...]], list[ComplaintPattern]]:
    """(classes, patterns) from a complaints file; every pattern must give a reason."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    classes = {name: tuple(str(word).lower() for word in words) for name, words in data["classes"].items()}
    patterns = []
    for key, value in data["patterns"].items():
        if not isinstance(value, Mapping) or not str(value.get("reason", "")).strip():
            raise ValueError(f"{path}: {key}: every pattern needs a reason")
        patterns.append(ComplaintPattern(key, str(value["reason"])))
    return classes, patterns


def compile_pattern(pattern: str, classes: Mapping[str, tuple[str, ...]]) -> str:
    """The regular expression (no flags, no anchors) for one pattern of the data file."""
    tokens = pattern.lower().split()
    # "^" first: only at the start of the line ("^ {span} {unit} ," is a bare
    # duration opening the line, the answer to "how long has it been").
    anchored = bool(tokens) and tokens[0] == "^"
    if anchored:
        tokens = tokens[1:]
    if not tokens or tokens[0] in ("~", ",", ".") or tokens[0].endswith("?"):
        raise ValueError(f"complaint pattern {pattern!r}: must start with a word or a class")
    parts: list[str] = []
    for token in tokens:
        if token == "~":
            parts.append(_GAP)
            continue
        if token == ",":
            # A comma right after the previous word, as it is written.
            parts.append(r"\s*,")
            continue
        if token == ".":
            # A full stop (or "!") right after the previous word: the sentence ends there.
            parts.append(r"\s*[.!]")
            continue
        optional = token.endswith("?")
        token = token.rstrip("?")
        if token in _WORD_TOKENS:
            body = _WORD_TOKENS[token]
        elif token.startswith("!"):
            # Any one word but these ("!i|we was supposed to": not the caller's own duty).
            body = rf"(?!{_alternatives(token[1:].split('|'))}(?![\w'-])){_WORD_TOKENS['<word>']}"
        elif token.startswith("{") and token.endswith("}"):
            name = token[1:-1]
            if name not in classes:
                raise ValueError(f"complaint pattern {pattern!r}: unknown class {{{name}}}")
            body = _alternatives(_class_forms(classes[name]))
        else:
            body = _alternatives(token.split("|"))
        parts.append(rf"(?:\s+{body})?" if optional else rf"\s+{body}")
    # Every part starts with its own space; the first (a required word) needs none.
    body = "".join(parts).removeprefix(r"\s+")
    return rf"^\s*{body}" if anchored else body


def find_complaints(text: str) -> list[tuple[int, int]]:
    """The spans of `text` that state a complaint, in order, not overlapping."""
    return [match.span() for match in _matcher().finditer(text)]


def mark_complaints(text: str) -> str:
    """`text` with its first complaint replaced by COMPLAINT_TOKEN, later ones by REPEATED_TOKEN."""
    spans = find_complaints(text)
    if not spans:
        return text
    pieces = []
    cursor = 0
    for index, (start, end) in enumerate(spans):
        pieces.append(text[cursor:start])
        pieces.append(COMPLAINT_TOKEN if index == 0 else REPEATED_TOKEN)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def sarcastic_clause(text: str) -> str | None:
    """The clause before a line-final lone positive interjection, or None.

    "so I was lied to, brilliant" -> "so I was lied to". Whether it is
    sarcasm depends on the clause being negative on its own, which the
    sentiment scorer decides.
    """
    match = _sarcasm_matcher().match(text)
    return match.group("clause") if match and match.group("clause").strip() else None


def sarcastic_opening(text: str) -> str | None:
    """The clause after a line-opening "oh"/"well" + positive interjection, or None.

    "oh great, another automated message" -> "another automated message". A
    bare opening "perfect, that's one less thing to worry about" is real
    relief far more often (round 4 and 5 both lost lines to it), so the
    interjection must come with its sarcastic lead ("oh", "well that's just"),
    or be followed by its consequence ("lovely, so I get to pay for your
    mistake", "great, so now I wait another week"; round 11). As
    with `sarcastic_clause`, the scorer reads it as sarcasm only when that
    clause is negative on its own.
    """
    match = _sarcasm_opening_matcher().match(text) or _sarcasm_consequence_matcher().match(text)
    return match.group("clause") if match else None


def _class_forms(words: tuple[str, ...]) -> list[str]:
    forms: dict[str, None] = {}
    for word in words:
        for form in inflections(word) if word.isalpha() else (word,):
            forms.setdefault(form, None)
    return list(forms)


def _alternatives(words: list[str] | tuple[str, ...]) -> str:
    ordered = sorted(words, key=len, reverse=True)  # longest first: "hot water" before "water"
    bodies = [
        _NUMBER if word == "<number>" else r"\s+".join(re.escape(w) for w in word.split()) for word in ordered
    ]
    return "(?:" + "|".join(bodies) + ")"


@functools.lru_cache(maxsize=1)
def _matcher() -> re.Pattern[str]:
    classes, patterns = load_patterns()
    compiled = [compile_pattern(entry.pattern, classes) for entry in patterns]
    # One alternation: at a position the first alternative that matches wins,
    # so the longer (more specific) patterns go first.
    ordered = sorted(compiled, key=len, reverse=True)
    body = "|".join(f"(?:{regex})" for regex in ordered)
    return re.compile(rf"(?<![\w'-])(?:{body})(?![\w'-])", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def _sarcasm_interjections() -> tuple[str, ...]:
    """The data file's [sarcasm] interjections ("brilliant", "great", ...), read once."""
    data = tomllib.loads(COMPLAINTS_FILE.read_text(encoding="utf-8"))
    return tuple(str(word).lower() for word in data.get("sarcasm", {}).get("interjections", ()))


@functools.lru_cache(maxsize=1)
def _sarcasm_matcher() -> re.Pattern[str]:
    interjections = _sarcasm_interjections()
    if not interjections:
        return re.compile(r"(?!)")  # never matches
    return re.compile(
        rf"^(?P<clause>.*?\w.*?)(?:\s*[,.;!]+\s*|\s+){_SARCASM_LEAD}{_alternatives(interjections)}\s*[.!?]*\s*$",
        re.IGNORECASE | re.DOTALL,
    )


@functools.lru_cache(maxsize=1)
def _sarcasm_consequence_matcher() -> re.Pattern[str]:
    """A bare interjection, then "so" and what follows from it ("brilliant, so I'm
    paying twice"): the consequence is the point, and if it is negative so is the line."""
    interjections = _sarcasm_interjections()
    if not interjections:
        return re.compile(r"(?!)")  # never matches
    return re.compile(
        rf"^\s*(?:that's\s+)?(?:just\s+)?{_alternatives(interjections)}(?:\s*[,.;!]+\s*|\s+)(?P<clause>so\s+.*\w.*)$",
        re.IGNORECASE | re.DOTALL,
    )


@functools.lru_cache(maxsize=1)
def _sarcasm_opening_matcher() -> re.Pattern[str]:
    interjections = _sarcasm_interjections()
    if not interjections:
        return re.compile(r"(?!)")  # never matches
    return re.compile(
        rf"^\s*(?:oh|well|how)\s*,?\s+(?:that's\s+)?(?:just\s+|really\s+)?{_alternatives(interjections)}"
        rf"(?:\s*[,.;!]+\s*|\s+)(?P<clause>.*\w.*)$",
        re.IGNORECASE | re.DOTALL,
    )
