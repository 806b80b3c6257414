"""Reading search text and FTS5 highlights (pure).

Search text is reduced to quoted words and phrases by the storage layer's
sanitiser (`ingest.storage.search.match_expression`), so FTS5 operators,
stray quotes and brackets can never cause a syntax error. Here we add what a
reviewer needs to hear back: a notice when the text had nothing searchable,
or when it was cut short.

Highlights come back from FTS5's ``highlight()`` wrapped in two private-use
characters, which are then turned into ``(start, end)`` offsets: the UI gets
plain text plus ranges, never markup it would have to trust.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.storage.search import match_expression

OPEN_MARK, CLOSE_MARK = "\ue000", "\ue001"
MAX_TEXT_CHARS = 500
MAX_TERMS = 16
_TERM = re.compile(r'"[^"]*"')
_OPERATOR = re.compile(r'(?<![\w"])(?:AND|OR|NOT|NEAR)(?![\w"])(?=(?:[^"]*"[^"]*")*[^"]*$)')


@dataclass(frozen=True, slots=True)
class ParsedText:
    expression: str | None
    terms: tuple[str, ...]
    notices: tuple[str, ...]


def parse_search_text(text: str) -> ParsedText:
    """The FTS5 MATCH expression for `text` (None: search by filters only), with notices."""
    notices: list[str] = []
    typed, typed_operators = text.strip(), bool(_OPERATOR.search(text))
    text = text.replace(OPEN_MARK, " ").replace(CLOSE_MARK, " ")
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        notices.append(f"search text cut to its first {MAX_TEXT_CHARS} characters")
    # Upper-case AND/OR/NOT/NEAR outside quotes are operators typed on purpose:
    # they are dropped (not required as words) and the notice below explains.
    text = _OPERATOR.sub(" ", text)
    expression = match_expression(text)
    if expression is None:
        if typed:
            notices.append(f"{typed!r} has no words to search for; showing calls by the filters only")
        return ParsedText(None, (), tuple(notices))
    terms = _TERM.findall(expression)
    if len(terms) > MAX_TERMS:
        terms = terms[:MAX_TERMS]
        notices.append(f"only the first {MAX_TERMS} words and phrases are searched")
    # Operators typed by the reviewer are searched as plain words; say so.
    if typed_operators or re.search(r"[*^()]|(^|\s)-\w", text):
        notices.append("search operators are not supported: every word must appear (in any order)")
    return ParsedText(" ".join(terms), tuple(t.strip('"') for t in terms), tuple(notices))


def spans_from_highlight(marked: str | None) -> tuple[str | None, tuple[tuple[int, int], ...]]:
    """Plain text and match offsets from text highlighted with OPEN_MARK/CLOSE_MARK."""
    if marked is None:
        return None, ()
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    length, opened_at = 0, None
    for piece in re.split(f"([{OPEN_MARK}{CLOSE_MARK}])", marked):
        if piece == OPEN_MARK:
            opened_at = length
        elif piece == CLOSE_MARK:
            if opened_at is not None and length > opened_at:
                spans.append((opened_at, length))
            opened_at = None
        else:
            plain.append(piece)
            length += len(piece)
    return "".join(plain), tuple(spans)
