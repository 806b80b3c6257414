"""`search_calls()`: full-text search over transcripts and translations, with
filters, sorting and paging, one result per call with highlighted snippets.

FTS5 combined with a filter on another table is the known slow path, so the
plan is chosen per query by how many segments match (counted by FTS5 itself,
which is cheap, up to `TEXT_FIRST_MAX_SEGMENTS`):

- ``text-first`` when few segments match: collect them from the index,
  group them by call (the costly part: one row look-up per segment), then
  filter, sort and count the calls. Exact total.
- ``calls-first`` when many match: walk the calls in page order along the
  index of the sort key, keep each call that passes the filters and has a
  matching segment (one FTS5 look-up confined to that call's rowid range),
  and stop when the page is full. The total is left unknown (`has_more`).
  When filters keep the walk away from the matches (a Spanish word among
  English calls), the walk is cut short after `CALLS_FIRST_BUDGET_S` and the
  text-first plan answers instead.
- ``relevance-window`` for relevance order with many matches: bm25 costs
  about a microsecond per segment, so only the newest `RELEVANCE_WINDOW`
  matching segments are ranked (a notice says so).
- ``filters`` when there is no text: the calls table alone.

Measured by bench/qa_search.py on ~1,000,000 segments. On PostgreSQL the same
contract is kept by qa/search_postgres.py, chosen by the database given.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import aiosqlite

from qa.database import QAStore, is_postgres, postgres, sqlite_location, sqlite_read_only
from qa.filters import (
    CALL_FIELDS,
    call_filter,
    order_by,
    segment_sentiment_params,
    segment_sentiment_sql,
)
from qa.query import CallHit, SearchPage, SearchQuery
from qa.search_postgres import search_postgres
from qa.snippets import fetch_snippets
from qa.text import parse_search_text

TEXT_FIRST_MAX_SEGMENTS = 4_000
"""Above this many matching segments, walk the calls instead: grouping costs
about 1.6 us per segment, one call check about 50 us (bench/qa_search.py)."""
CALLS_FIRST_BUDGET_S = 0.025
CALL_CHECK_S = 50e-6
"""A walk that has not filled its page after the base budget plus four times
the checks a page needs at least gives way to text-first."""
RELEVANCE_WINDOW = 3_000
FILTER_COUNT_CAP = 100_000


async def search_calls(db: QAStore, query: SearchQuery, *, plan: str | None = None) -> SearchPage:
    """One page of calls matching `query`. `db` is the SQLite file (opened
    read-only for this search), an open aiosqlite connection to it, a database
    URL or an open `Database` (SQLite or PostgreSQL). `plan` (``text-first``
    or ``calls-first``) overrides the choice, for comparisons."""
    if plan not in (None, "text-first", "calls-first"):
        raise ValueError(f"unknown plan {plan!r}")
    if is_postgres(db):
        async with postgres(db) as database:
            return await search_postgres(database, query, plan)
    async with sqlite_read_only(sqlite_location(db)) as conn:
        return await _search(conn, query, plan)


async def _search(conn: aiosqlite.Connection, query: SearchQuery, forced: str | None) -> SearchPage:
    parsed = parse_search_text(query.text)
    notices = list(parsed.notices)
    if query.sort == "relevance" and parsed.expression is None:
        notices.append("relevance needs search words; sorted by date instead")
    alerts_table = await _has_table(conn, "alerts")
    where = call_filter(query, alerts_table=alerts_table)
    params: dict[str, Any] = {**where.params, **segment_sentiment_params(query)}
    params.update(limit=query.limit + 1, offset=query.offset)
    if parsed.expression is None:
        rows, plan = await _filters_only(conn, query, where.sql(), params), "filters"
        total = await _count_filtered(conn, query, where.sql(), params)
    else:
        params["match"] = parsed.expression
        many = forced == "calls-first" or (
            forced is None and await _match_count(conn, parsed.expression) > TEXT_FIRST_MAX_SEGMENTS
        )
        if not many:
            rows, plan = await _text_first(conn, query, where.sql(), params), "text-first"
            total = rows[0]["total"] if rows else await _count_when_empty(conn, query, where.sql(), params)
        elif query.sort == "relevance" and forced is None:
            rows, total, plan = (
                await _relevance_window(conn, query, where.sql(), params),
                None,
                "relevance-window",
            )
            notices.append(
                f"very common words: relevance ranks the newest {RELEVANCE_WINDOW:,} matching segments"
            )
        else:
            walk = call_filter(query, alerts_table=alerts_table, walk_sort_index=True)
            needed = query.offset + query.limit + 1
            budget = None if forced else CALLS_FIRST_BUDGET_S + 4 * needed * CALL_CHECK_S
            walked = await _calls_first(conn, query, walk.sql(), params, budget)
            if walked is not None:
                rows, total, plan = walked, None, "calls-first"
            else:  # the filters keep away from the matches: collecting them is cheaper
                rows, plan = await _text_first(conn, query, where.sql(), params), "text-first"
                total = (
                    rows[0]["total"] if rows else await _count_when_empty(conn, query, where.sql(), params)
                )
    has_more = len(rows) > query.limit
    rows = rows[: query.limit]
    snippets = {}
    if parsed.expression is not None and query.snippets_per_call:
        snippets = await fetch_snippets(
            conn, [row["id"] for row in rows], parsed.expression, query.snippets_per_call,
            segment_sentiment_sql(query), segment_sentiment_params(query),
        )  # fmt: skip
    hits = tuple(_hit(row, snippets.get(row["id"], ())) for row in rows)
    return SearchPage(hits, total, has_more, query, parsed.expression, tuple(notices), plan)


async def _filters_only(
    conn: aiosqlite.Connection, query: SearchQuery, where: str, params: dict[str, Any]
) -> list[sqlite3.Row]:
    sentiment = segment_sentiment_sql(query)
    if sentiment:
        where += f" AND EXISTS (SELECT 1 FROM segments s WHERE s.call_id = c.id AND {sentiment})"
    return await _rows(
        conn,
        f"SELECT {CALL_FIELDS} FROM calls c WHERE {where}"
        f" ORDER BY {order_by(query)} LIMIT :limit OFFSET :offset",
        params,
    )


async def _count_filtered(
    conn: aiosqlite.Connection, query: SearchQuery, where: str, params: dict[str, Any]
) -> int | None:
    sentiment = segment_sentiment_sql(query)
    if sentiment:
        where += f" AND EXISTS (SELECT 1 FROM segments s WHERE s.call_id = c.id AND {sentiment})"
    rows = await _rows(
        conn,
        f"SELECT count(*) FROM (SELECT 1 FROM calls c WHERE {where} LIMIT {FILTER_COUNT_CAP + 1})",
        params,
    )
    count = rows[0][0]
    return None if count > FILTER_COUNT_CAP else count


def _hits_sql(query: SearchQuery, with_relevance: bool) -> str:
    """Matching segments grouped by call; FTS5 drives the join (CROSS JOIN keeps it outer)."""
    sentiment = segment_sentiment_sql(query)
    relevance = ", MIN(segments_fts.rank) AS relevance" if with_relevance else ", NULL AS relevance"
    return (
        f"SELECT s.call_id AS call_id, COUNT(*) AS matching{relevance}"
        " FROM segments_fts CROSS JOIN segments s ON s.id = segments_fts.rowid"
        f" WHERE segments_fts MATCH :match {'AND ' + sentiment if sentiment else ''}"
        " GROUP BY s.call_id"
    )


async def _text_first(
    conn: aiosqlite.Connection, query: SearchQuery, where: str, params: dict[str, Any]
) -> list[sqlite3.Row]:
    hits = _hits_sql(query, with_relevance=query.sort == "relevance")
    sql = (
        f"WITH hits AS MATERIALIZED ({hits})"
        f" SELECT {CALL_FIELDS}, hits.matching, hits.relevance, COUNT(*) OVER () AS total"
        f" FROM hits CROSS JOIN calls c ON c.id = hits.call_id WHERE {where}"
        f" ORDER BY {order_by(query, relevance='hits.relevance')} LIMIT :limit OFFSET :offset"
    )
    return await _rows(conn, sql, params)


async def _count_when_empty(
    conn: aiosqlite.Connection, query: SearchQuery, where: str, params: dict[str, Any]
) -> int:
    """A page past the end has no row to carry the total: count on its own."""
    if query.offset == 0:
        return 0
    sql = (
        f"WITH hits AS MATERIALIZED ({_hits_sql(query, False)})"
        f" SELECT count(*) FROM hits CROSS JOIN calls c ON c.id = hits.call_id WHERE {where}"
    )
    return int((await _rows(conn, sql, params))[0][0])


async def _relevance_window(
    conn: aiosqlite.Connection, query: SearchQuery, where: str, params: dict[str, Any]
) -> list[sqlite3.Row]:
    sentiment = segment_sentiment_sql(query)
    sql = (
        "WITH newest AS MATERIALIZED (SELECT rowid AS id, rank FROM segments_fts"
        f" WHERE segments_fts MATCH :match ORDER BY rowid DESC LIMIT {RELEVANCE_WINDOW}),"
        " hits AS (SELECT s.call_id, COUNT(*) AS matching, MIN(newest.rank) AS relevance"
        " FROM newest CROSS JOIN segments s ON s.id = newest.id"
        f" {'WHERE ' + sentiment if sentiment else ''} GROUP BY s.call_id)"
        f" SELECT {CALL_FIELDS}, hits.matching, hits.relevance"
        f" FROM hits CROSS JOIN calls c ON c.id = hits.call_id WHERE {where}"
        f" ORDER BY {order_by(query, relevance='hits.relevance')} LIMIT :limit OFFSET :offset"
    )
    return await _rows(conn, sql, params)


async def _calls_first(
    conn: aiosqlite.Connection, query: SearchQuery, where: str, params: dict[str, Any], budget_s: float | None
) -> list[sqlite3.Row] | None:
    """The page by walking calls, or None when `budget_s` ran out first (the
    filters pass many calls that hold no match: text-first is then cheaper)."""
    sentiment = segment_sentiment_sql(query)
    # The call's rowid range bounds the FTS5 look-up: FTS5 seeks straight to it
    # in each word's list instead of reading the whole list.
    has_match = (
        "EXISTS (SELECT 1 FROM segments_fts f CROSS JOIN segments s ON s.id = f.rowid"
        " WHERE f.segments_fts MATCH :match"
        " AND f.rowid >= (SELECT min(id) FROM segments WHERE call_id = c.id)"
        " AND f.rowid <= (SELECT max(id) FROM segments WHERE call_id = c.id)"
        f" AND s.call_id = c.id {'AND ' + sentiment if sentiment else ''})"
    )
    sql = (
        f"SELECT {CALL_FIELDS}, NULL AS matching, NULL AS relevance FROM calls c"
        f" WHERE {where} AND c.segment_count > 0 AND {has_match}"
        f" ORDER BY {order_by(query)} LIMIT :limit OFFSET :offset"
    )
    if budget_s is None:
        return await _rows(conn, sql, params)
    deadline = time.monotonic() + budget_s
    await conn.set_progress_handler(lambda: time.monotonic() > deadline, 20_000)
    try:
        return await _rows(conn, sql, params)
    except sqlite3.OperationalError as error:
        if "interrupt" not in str(error):
            raise
        return None
    finally:
        await conn.set_progress_handler(None, 0)  # type: ignore[arg-type]  # None removes it (sqlite3 API)


async def _match_count(conn: aiosqlite.Connection, expression: str) -> int:
    """Matching segments, counted up to one past `TEXT_FIRST_MAX_SEGMENTS` (rowids only: cheap)."""
    rows = await _rows(
        conn,
        "SELECT count(*) FROM (SELECT rowid FROM segments_fts WHERE segments_fts MATCH ? LIMIT ?)",
        (expression, TEXT_FIRST_MAX_SEGMENTS + 1),
    )
    return int(rows[0][0])


def _hit(row: sqlite3.Row, snippets: Any) -> CallHit:
    return CallHit(
        call_id=row["id"], started_at=row["started_at"], ended_at=row["ended_at"],
        duration=row["duration"], agent=row["agent"], agent_name=row["agent_name"],
        campaign=row["campaign"], in_group=row["in_group"], language=row["language"],
        avg_sentiment=row["avg_sentiment"], segment_count=row["segment_count"],
        alert_count=row["alert_count"], status=row["status"],
        matching_segments=_optional(row, "matching"), relevance=_optional(row, "relevance"),
        snippets=tuple(snippets),
    )  # fmt: skip


def _optional(row: sqlite3.Row, key: str) -> Any:
    # `key in row` would look among a sqlite3.Row's values, not its column names.
    return row[key] if key in row.keys() else None  # noqa: SIM118 (see above)


async def _has_table(conn: aiosqlite.Connection, name: str) -> bool:
    rows = await _rows(conn, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return bool(rows)


async def _rows(conn: aiosqlite.Connection, sql: str, params: Any) -> list[sqlite3.Row]:
    async with conn.execute(sql, params) as cursor:
        cursor.row_factory = sqlite3.Row  # whatever the caller's connection uses
        return list(await cursor.fetchall())
