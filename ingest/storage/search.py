"""Turning what a person types into a safe FTS5 MATCH expression (pure).

FTS5 has its own query language (``AND``/``OR``/``NOT``/``NEAR``, ``-``,
``*``, ``^``, parentheses, column filters); a reviewer typing any of those by
accident must not get a syntax error. So the input is reduced to words and
"quoted phrases", every one of them quoted for FTS5: operators become plain
words and punctuation is dropped, exactly as the unicode61 tokenizer would.
"""

from __future__ import annotations

import re

_PHRASE_OR_WORD = re.compile(r'"([^"]*)"|([^"\s]+)')
_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(query: str) -> list[str]:
    """The words and "quoted phrases" of `query`, each reduced to its words
    joined by single spaces (a word is a one-word phrase)."""
    terms: list[str] = []
    for phrase, word in _PHRASE_OR_WORD.findall(query):
        words = _WORD.findall(phrase if phrase else word)
        if words:
            terms.append(" ".join(words))
    return terms


def match_expression(query: str) -> str | None:
    """An FTS5 expression matching segments that contain every word and phrase
    of `query` (in any order), or None when `query` has no words at all."""
    # Inside double quotes FTS5 only treats `"` specially, and \w+ never
    # contains one, so the quoted phrase is always well-formed.
    terms = [f'"{term}"' for term in search_terms(query)]
    return " ".join(terms) if terms else None


def tsquery_sql(terms: list[str]) -> str:
    """PostgreSQL: a tsquery expression over `terms` (one ``?`` per term, bound
    to the term): every phrase must match, words of a phrase adjacent."""
    return " && ".join("phraseto_tsquery('callmon_search', ?)" for _ in terms)
