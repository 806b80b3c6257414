"""Rewriting SQLite-style placeholders for psycopg (pure).

callmon's SQL is written once, with SQLite's ``?`` (positional) or ``:name``
(named) placeholders. psycopg wants ``%s`` / ``%(name)s`` and reads every
other ``%`` as the start of one, so literal percent signs are doubled. Text
inside string literals, quoted identifiers and comments is left alone, and
so is PostgreSQL's ``::type`` cast.
"""

from __future__ import annotations

import re

# One alternation scanned left to right: literals, identifiers and comments
# keep their text (percent signs doubled), casts are copied, the rest rewritten.
_TOKEN = re.compile(
    r"""
      (?P<literal>'(?:[^']|'')*')          # 'it''s' (SQL doubles the quote)
    | (?P<identifier>"(?:[^"]|"")*")       # "start", "user"
    | (?P<comment>--[^\n]*|/\*.*?\*/)
    | (?P<cast>::)
    | (?P<named>(?<![:\w]):[A-Za-z_]\w*)
    | (?P<positional>\?)
    | (?P<percent>%)
    """,
    re.VERBOSE | re.DOTALL,
)


def to_psycopg(sql: str) -> str:
    """`sql` with ``?`` -> ``%s``, ``:name`` -> ``%(name)s`` and ``%`` -> ``%%``."""

    def rewrite(match: re.Match[str]) -> str:
        kind = match.lastgroup
        text = match.group()
        if kind == "named":
            return f"%({text[1:]})s"
        if kind == "positional":
            return "%s"
        if kind == "cast":
            return text
        # psycopg reads every % as a placeholder, even inside a literal.
        return text.replace("%", "%%")

    return _TOKEN.sub(rewrite, sql)
