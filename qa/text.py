"""Reading search text and FTS5 highlights (pure).

Search text is reduced to quoted words and phrases by the storage layer's
sanitiser (`ingest.storage.search.match_expression`), so FTS5 operators,
stray quotes and brackets can never cause a syntax error. One operator is
understood: an upper-case ``OR`` outside quotes splits the text into
alternatives (``refund OR "money back"``); each alternative is sanitised on
its own and the expression is assembled here from quoted terms, parentheses
and ``OR`` only. Here we add what a reviewer needs to hear back: a notice
when the text had nothing searchable, or when it was cut short.

Highlights come back from FTS5's ``highlight()`` wrapped in two private-use
characters, which are then turned into ``(start, end)`` offsets: the UI gets
plain text plus ranges, never markup it would have to trust.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.storage.search import match_expression

OPEN_MARK, CLOSE_MARK = "\ue000", "\ue001"
OR_MARK = "\ue002"
"""Stands for a typed ``OR`` while the text is split (private-use: never a word character)."""
MAX_TEXT_CHARS = 500
MAX_TERMS = 16
_TERM = re.compile(r'"[^"]*"')
_OPERATOR = re.compile(r'(?<![\w"])(?:AND|OR|NOT|NEAR)(?![\w"])(?=(?:[^"]*"[^"]*")*[^"]*$)')


@dataclass(frozen=True, slots=True)
class ParsedText:
    expression: str | None
    terms: tuple[str, ...]
    notices: tuple[str, ...]
    alternatives: tuple[tuple[str, ...], ...] = ()
    """The same search for other engines: alternatives joined by OR, each a tuple of
    words and phrases that must all match; a phrase is its words joined by spaces."""


def parse_search_text(text: str) -> ParsedText:
    """The FTS5 MATCH expression for `text` (None: search by filters only), with notices."""
    notices: list[str] = []
    typed = text.strip()
    for mark in (OPEN_MARK, CLOSE_MARK, OR_MARK):
        text = text.replace(mark, " ")
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        notices.append(f"search text cut to its first {MAX_TEXT_CHARS} characters")
    unsupported = bool(re.search(r"[*^()]|(^|\s)-\w", text))

    def operator(match: re.Match[str]) -> str:
        nonlocal unsupported
        if match.group(0) == "OR":
            return f" {OR_MARK} "
        unsupported = True  # AND/NOT/NEAR typed on purpose: dropped, and the notice explains
        return " "

    text = _OPERATOR.sub(operator, text)
    alternatives: list[list[str]] = []
    budget = MAX_TERMS
    for part in text.split(OR_MARK):
        expression = match_expression(part)
        if expression is None:
            continue  # "OR refund", "refund OR", "OR OR": an empty side is no alternative
        terms = _TERM.findall(expression)
        if len(terms) > budget:
            notices.append(f"only the first {MAX_TERMS} words and phrases are searched")
            terms = terms[:budget]
        if terms:
            alternatives.append(terms)
            budget -= len(terms)
        if budget <= 0:
            break
    if not alternatives:
        if typed:
            notices.append(f"{typed!r} has no words to search for; showing calls by the filters only")
        return ParsedText(None, (), tuple(notices))
    if unsupported:
        notices.append(
            'only OR and "quoted phrases" are understood: other operators and symbols are ignored,'
            " and every other word must appear (in any order)"
        )
    return ParsedText(
        _assemble(alternatives),
        tuple(t.strip('"') for terms in alternatives for t in terms),
        tuple(notices),
        tuple(tuple(t.strip('"') for t in terms) for terms in alternatives),
    )


def _assemble(alternatives: list[list[str]]) -> str:
    """``"a" "b"`` for one alternative; ``("a" "b") OR "c"`` for several. Every term is
    already a quoted FTS5 string, so the only syntax added is brackets and OR."""
    if len(alternatives) == 1:
        return " ".join(alternatives[0])
    return " OR ".join(terms[0] if len(terms) == 1 else f"({' '.join(terms)})" for terms in alternatives)


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
