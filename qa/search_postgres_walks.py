"""The PostgreSQL search plans that walk calls in order (qa/search_postgres.py
chooses them): ``calls-first`` (page order) and ``relevance-window`` (newest
first, ranked). Each looks at each call through its own segments only, and
gives up after a bounded number of calls when the filters keep it away from
the matches: the caller then answers text-first, which is exact and, with the
matches that rare among the filtered calls, no dearer. A walk that ran out of
calls before its bound saw every candidate: its answer is complete.
"""

from __future__ import annotations

from typing import Any

from ingest.storage.database import Queries, Row
from qa.filters import CALL_FIELDS, order_by, segment_sentiment_sql
from qa.query import SearchQuery

CALLS_FIRST_WALK = 4
"""Calls looked at per row the page needs before the walk gives way to text-first."""
CALLS_FIRST_MIN_WALK = 150
RELEVANCE_CALLS = 100
"""With very common words, relevance ranks the newest this many matching calls."""
RELEVANCE_WALK = 2
"""Calls looked at per call of the relevance window before text-first answers."""


def within_call(q: str) -> str:
    """The match test for segments already narrowed to a few calls. It is ``@@``
    written as its function, which no index serves: the planner then reads the
    call's rows through ``segments_by_call`` instead of AND-ing them with the
    word's whole GIN posting list (which costs as much as the word is common)."""
    return f"ts_match_vq(s.search_vector, {q})"


def order(query: SearchQuery, relevance: str | None = None) -> str:
    return order_by(query, relevance=relevance, dialect="postgresql")


def _candidates(query: SearchQuery, where: str, by: str, walk: int | None) -> str:
    """The calls a walk looks at, in the order it looks at them. A subquery with
    its own LIMIT, so the planner cannot turn the walk into a join over every
    matching segment."""
    limit = f" LIMIT {walk}" if walk is not None else ""
    return f"SELECT {CALL_FIELDS} FROM calls c WHERE {where} AND c.segment_count > 0 ORDER BY {by}{limit}"


def _matches_of_call(q: str, query: SearchQuery) -> str:
    sentiment = segment_sentiment_sql(query)
    return f"s.call_id = c.id AND {within_call(q)}{' AND ' + sentiment if sentiment else ''}"


async def _walked_every_candidate(
    db: Queries, query: SearchQuery, where: str, by: str, walk: int, params: dict[str, Any]
) -> bool:
    """Whether fewer than `walk` calls pass the filters (read through the calls'
    own indexes, at most `walk` of them): a walk that came back short then saw
    them all."""
    row = await db.fetch_one(
        f"SELECT count(*) AS n FROM ({_candidates(query, where, by, walk)}) AS walked", params
    )
    return bool(row and row["n"] < walk)


async def calls_first(
    db: Queries, q: str, query: SearchQuery, where: str, params: dict[str, Any], *, bounded: bool
) -> list[Row] | None:
    """The page by walking calls in page order, or None when a bounded walk
    reached its bound before the page was full."""
    needed = query.offset + query.limit + 1
    walk = max(CALLS_FIRST_MIN_WALK, CALLS_FIRST_WALK * needed) if bounded else None
    rows = await db.fetch_all(
        "SELECT c.*, CAST(NULL AS bigint) AS matching, CAST(NULL AS real) AS relevance"
        f" FROM ({_candidates(query, where, order(query), walk)}) AS c"
        f" WHERE EXISTS (SELECT 1 FROM segments s WHERE {_matches_of_call(q, query)})"
        f" ORDER BY {order(query)} LIMIT :limit OFFSET :offset",
        params,
    )
    if walk is None or len(rows) == query.limit + 1:
        return rows
    if await _walked_every_candidate(db, query, where, order(query), walk, params):
        return rows
    return None  # the walk stopped short of matches further on


async def relevance_window(
    db: Queries, q: str, query: SearchQuery, where: str, params: dict[str, Any]
) -> list[Row] | None:
    """Relevance among the newest `RELEVANCE_CALLS` matching calls (ranking every
    segment of a common word costs as much as reading its whole posting list),
    or None when the walk reached its bound before the window was full. One
    pass: calls are walked newest first, each one's segments read once to
    count and rank its matches (``ts_rank`` only for the matching rows)."""
    by_date = "c.started_at DESC, c.id DESC"
    window = max(RELEVANCE_CALLS, query.offset + query.limit + 1)
    walk = RELEVANCE_WALK * window
    rows = await db.fetch_all(
        f"WITH newest AS MATERIALIZED (SELECT c.*, hits.matching, hits.relevance"
        f" FROM ({_candidates(query, where, by_date, walk)}) AS c CROSS JOIN LATERAL"
        f" (SELECT count(*) AS matching, -max(ts_rank(s.search_vector, {q})) AS relevance"
        f" FROM segments s WHERE {_matches_of_call(q, query)}) AS hits"
        f" WHERE hits.matching > 0 ORDER BY {by_date} LIMIT {window})"
        " SELECT c.*, count(*) OVER () AS ranked FROM newest AS c"
        f" ORDER BY {order(query, 'c.relevance')} LIMIT :limit OFFSET :offset",
        params,
    )
    if rows and rows[0]["ranked"] == window:
        return rows
    if await _walked_every_candidate(db, query, where, by_date, walk, params):
        return rows
    return None
