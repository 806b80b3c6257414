"""`search_calls()` on PostgreSQL: the same contract as the SQLite search
(qa/search.py), over ``segments.search_vector`` (a stored ``tsvector`` with a
GIN index, built by the core schema with the ``callmon_search`` configuration:
``simple`` with accents folded, see ingest/storage/schema_postgres.py).

The typed text is parsed by our own reader (qa/text.py) into alternatives of
words and phrases; each one becomes ``phraseto_tsquery('callmon_search', term)`` with
the term as a parameter, joined by ``&&`` and ``||``: user text never reaches
``to_tsquery``'s syntax, so no input can be a syntax error. Each statement
holds that expression as a scalar subquery, which the server evaluates once
per statement (an init plan), even in a generic prepared plan, and can still
use as the GIN index condition.

The plans mirror SQLite's, for the same reasons:

- ``text-first`` when few segments match: group them by call through the
  GIN index, then filter, sort and count the calls. Exact total. The index
  also holds each segment's copy of its call's keys (``segments.call_keys``:
  language, agent, campaign, in-group, day, has alerts): those filters are
  intersected with the words inside the index, so a word against a filter
  that excludes most of its matches reads none of those segments' rows.
- ``text-first`` also when many segments match but the filters' call keys
  are expected to leave few of them (`KEYED_TEXT_FIRST_EXPECTED`, from the
  keys' statistics): the intersection is read from the index, as long as it
  stays under `KEYED_TEXT_FIRST_MAX_SEGMENTS` (else the walk answers).
- ``calls-first`` when many match: walk the calls in page order, keep each
  one with a matching segment (looked up through ``segments_by_call``), stop
  when the page is full; at most `CALLS_FIRST_WALK` calls per needed row are
  looked at, then text-first answers instead (filters far from the matches).
- ``relevance-window`` for relevance order with many matches: ranking every
  match of a common word costs its whole posting list, so only the newest
  `RELEVANCE_CALLS` matching calls are ranked, reading each one's segments
  once (a notice says so; SQLite ranks the newest matching segments); after
  `RELEVANCE_WALK` calls per ranked call without filling the window,
  text-first ranks every match instead.
- ``filters`` when there is no text.

Both walks live in qa/search_postgres_walks.py.

Differences from SQLite, by design of the ``simple`` configuration: accents
are kept (``café`` finds ``café`` but not ``cafe``), HTML-like tags in a
transcript are not words, and a phrase match is highlighted word by word.
Relevance is ``-ts_rank`` so that, as with bm25, smaller is better.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any

from ingest.storage.database import Queries, Row
from qa.database import table_exists
from qa.filters import (
    CALL_FIELDS,
    CallFilter,
    call_filter,
    segment_call_key_sets,
    segment_call_keys_sql,
    segment_sentiment_params,
    segment_sentiment_sql,
)
from qa.query import CallHit, SearchPage, SearchQuery, Snippet
from qa.search_estimate import estimate_matches, key_fraction, lexeme_statistics
from qa.search_postgres_walks import RELEVANCE_CALLS, calls_first, order, relevance_window, within_call
from qa.text import CLOSE_MARK, OPEN_MARK, parse_search_text, spans_from_highlight

TEXT_FIRST_MAX_SEGMENTS = 4_000
KEYED_TEXT_FIRST_EXPECTED = 1_000
"""Common words with call-key filters: text-first when the intersection looks this small..."""
KEYED_TEXT_FIRST_MAX_SEGMENTS = 2_000
"""...and while it turns out no bigger than this (else the walk answers)."""
FILTER_COUNT_CAP = 100_000
HEADLINE_OPTIONS = f'StartSel="{OPEN_MARK}", StopSel="{CLOSE_MARK}", HighlightAll=true'


def tsquery_sql(alternatives: Sequence[Sequence[str]]) -> tuple[str, dict[str, str]]:
    """SQL building the ``tsquery`` for `alternatives` (OR of ANDs of phrases), with
    every term a parameter (pure)."""
    params: dict[str, str] = {}
    ors = []
    for terms in alternatives:
        ands = []
        for term in terms:
            name = f"term_{len(params)}"
            params[name] = term
            ands.append(f"phraseto_tsquery('callmon_search', CAST(:{name} AS text))")
        ors.append(ands[0] if len(ands) == 1 else "(" + " && ".join(ands) + ")")
    return "(SELECT " + " || ".join(ors) + ")", params


async def search_postgres(db: Queries, query: SearchQuery, plan: str | None = None) -> SearchPage:
    """One page of calls matching `query` (see the module docstring for the plans)."""
    parsed = parse_search_text(query.text)
    notices = list(parsed.notices)
    if query.sort == "relevance" and parsed.expression is None:
        notices.append("relevance needs search words; sorted by date instead")
    # Only the alert-level filter reads the alerts table: spare the look-up otherwise.
    alerts_table = bool(query.alert_level) and await table_exists(db, "alerts")
    where = call_filter(query, alerts_table=alerts_table, dialect="postgresql")
    params: dict[str, Any] = {**where.params, **segment_sentiment_params(query)}
    params.update(limit=query.limit + 1, offset=query.offset)
    params = {name: _storable(value) for name, value in params.items()}
    total: int | None
    if parsed.expression is None:
        # The page and the count are independent: two pooled connections answer both at once.
        rows, total = await asyncio.gather(
            _filters_only(db, query, where.sql(), params), _count_filtered(db, query, where.sql(), params)
        )
        chosen = "filters"
    else:
        rows, total, chosen = await _search_text(db, query, parsed.alternatives, where, params, plan, notices)
    has_more = len(rows) > query.limit
    rows = rows[: query.limit]
    snippets: dict[str, list[Snippet]] = {}
    if parsed.expression is not None and query.snippets_per_call:
        snippets = await fetch_snippets_postgres(
            db, [row["id"] for row in rows], parsed.alternatives, query.snippets_per_call,
            segment_sentiment_sql(query), segment_sentiment_params(query),
        )  # fmt: skip
    hits = tuple(_hit(row, snippets.get(row["id"], ())) for row in rows)
    return SearchPage(hits, total, has_more, query, parsed.expression, tuple(notices), chosen)


async def _search_text(
    db: Queries,
    query: SearchQuery,
    alternatives: Sequence[Sequence[str]],
    where: CallFilter,
    params: dict[str, Any],
    plan: str | None,
    notices: list[str],
) -> tuple[list[Row], int | None, str]:
    """The page's rows (one more than the page when there are more), the total
    when known, and the plan that found them (see the module docstring)."""
    q, terms = tsquery_sql(alternatives)
    params.update(terms)
    now = time.time()
    many = plan == "calls-first" or (plan is None and await _many_matches(db, q, terms, alternatives))
    if many and plan is None and await _few_keyed_matches(db, query, alternatives, now):
        # Common words, but the filters' call keys are expected to leave few of
        # their segments: found in the index and read, while they stay few.
        capped = _hits_sql(q, query, now, cap=KEYED_TEXT_FIRST_MAX_SEGMENTS)
        rows = await _capped_text_first(db, capped, query, where.sql(), params, KEYED_TEXT_FIRST_MAX_SEGMENTS)
        if rows is not None:
            return rows, await _total(db, rows, capped, query, where.sql(), params), "text-first"
    if many and query.sort == "relevance" and plan is None:
        walked = await relevance_window(db, q, query, where.sql(), params)
        if walked is not None:
            notices.append(
                f"very common words: relevance ranks the newest {RELEVANCE_CALLS:,} matching calls"
            )
            return walked, None, "relevance-window"
    elif many:
        walked = await calls_first(db, q, query, where.sql(), params, bounded=plan is None)
        if walked is not None:
            return walked, None, "calls-first"
    # Few matches, or the filters kept the walk away from them.
    grouped = _hits_sql(q, query, now)
    rows = await _text_first(db, grouped, query, where.sql(), params)
    return rows, await _total(db, rows, grouped, query, where.sql(), params), "text-first"


def _storable(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL, and refuses a parameter with one (SQLite
    takes it): a filter typed with NUL matches nothing stored either way, so it
    is made storable with a character no id holds instead of failing the search."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


def _with_segment_sentiment(query: SearchQuery, where: str) -> str:
    sentiment = segment_sentiment_sql(query)
    if not sentiment:
        return where
    return f"{where} AND EXISTS (SELECT 1 FROM segments s WHERE s.call_id = c.id AND {sentiment})"


async def _filters_only(db: Queries, query: SearchQuery, where: str, params: dict[str, Any]) -> list[Row]:
    return await db.fetch_all(
        f"SELECT {CALL_FIELDS} FROM calls c WHERE {_with_segment_sentiment(query, where)}"
        f" ORDER BY {order(query)} LIMIT :limit OFFSET :offset",
        params,
    )


async def _count_filtered(db: Queries, query: SearchQuery, where: str, params: dict[str, Any]) -> int | None:
    row = await db.fetch_one(
        "SELECT count(*) AS n FROM (SELECT 1 FROM calls c"
        f" WHERE {_with_segment_sentiment(query, where)} LIMIT {FILTER_COUNT_CAP + 1}) AS capped",
        params,
    )
    count = int(row["n"]) if row else 0
    return None if count > FILTER_COUNT_CAP else count


async def _many_matches(
    db: Queries, q: str, terms: Mapping[str, Any], alternatives: Sequence[Sequence[str]]
) -> bool:
    """Whether more than `TEXT_FIRST_MAX_SEGMENTS` segments match: estimated from the
    column's statistics, or counted (through the GIN index) before any ``ANALYZE``."""
    statistics = await lexeme_statistics(db)
    if statistics is not None:
        return estimate_matches(statistics, alternatives) > TEXT_FIRST_MAX_SEGMENTS
    row = await db.fetch_one(
        "SELECT count(*) AS n FROM (SELECT 1 FROM segments s"
        f" WHERE s.search_vector @@ {q} LIMIT {TEXT_FIRST_MAX_SEGMENTS + 1}) AS capped",
        terms,
    )
    return bool(row and row["n"] > TEXT_FIRST_MAX_SEGMENTS)


async def _few_keyed_matches(
    db: Queries, query: SearchQuery, alternatives: Sequence[Sequence[str]], now: float
) -> bool:
    """Whether the segments matching the words and the filters' call keys are
    expected to be at most `KEYED_TEXT_FIRST_EXPECTED` (a guess: keys taken as
    independent of the words and of one another)."""
    required, groups = segment_call_key_sets(query, now)
    statistics = await lexeme_statistics(db)
    if not (required or groups) or statistics is None or not statistics.key_frequencies:
        return False
    expected = estimate_matches(statistics, alternatives) * key_fraction(statistics, required, groups)
    return expected <= KEYED_TEXT_FIRST_EXPECTED


def _hits_sql(q: str, query: SearchQuery, now: float, cap: int | None = None) -> str:
    """Matching segments grouped by call, found through the GIN index, which
    also holds each segment's call keys: language, agent, campaign, alerts
    and short date ranges are intersected with the words there, before any
    segment row is read. With `cap`, at most ``cap + 1`` segments are read."""
    conditions = [
        f"s.search_vector @@ {q}",
        segment_call_keys_sql(query, now),
        segment_sentiment_sql(query),
    ]
    where = " AND ".join(c for c in conditions if c)
    source = (
        "segments s"
        if cap is None
        else (f"(SELECT s.call_id, s.search_vector FROM segments s WHERE {where} LIMIT {cap + 1}) AS s")
    )
    relevance = f"-max(ts_rank(s.search_vector, {q}))" if query.sort == "relevance" else "CAST(NULL AS real)"
    return (
        f"SELECT s.call_id, count(*) AS matching, {relevance} AS relevance FROM {source}"
        f"{f' WHERE {where}' if cap is None else ''} GROUP BY s.call_id"
    )


def _text_first_page(query: SearchQuery, where: str) -> str:
    return (
        "SELECT c.*, hits.matching, hits.relevance, count(*) OVER () AS total"
        f" FROM hits CROSS JOIN LATERAL ({_call_of_hit(where)}) AS c"
        f" ORDER BY {order(query, 'hits.relevance')} LIMIT :limit OFFSET :offset"
    )


async def _text_first(
    db: Queries, hits: str, query: SearchQuery, where: str, params: dict[str, Any]
) -> list[Row]:
    """The page from the `hits`, sorted, each row with the total."""
    return await db.fetch_all(f"WITH hits AS MATERIALIZED ({hits}) {_text_first_page(query, where)}", params)


async def _capped_text_first(
    db: Queries, hits: str, query: SearchQuery, where: str, params: dict[str, Any], cap: int
) -> list[Row] | None:
    """`_text_first` over hits read up to ``cap + 1`` segments; None when the
    cap was passed (the hits are then incomplete)."""
    # One row even for an empty page, to carry how many segments were read.
    rows = await db.fetch_all(
        f"WITH hits AS MATERIALIZED ({hits}), page AS ({_text_first_page(query, where)})"
        " SELECT c.*, read.segments AS segments_read"
        " FROM (SELECT coalesce(sum(matching), 0) AS segments FROM hits) AS read"
        f" LEFT JOIN page AS c ON true ORDER BY {order(query, 'c.relevance')}",
        params,
    )
    if rows and rows[0]["segments_read"] > cap:
        return None
    return [row for row in rows if row["id"] is not None]


async def _total(
    db: Queries, rows: list[Row], hits: str, query: SearchQuery, where: str, params: dict[str, Any]
) -> int:
    return int(rows[0]["total"]) if rows else await _count_when_empty(db, hits, query, where, params)


async def _count_when_empty(
    db: Queries, hits: str, query: SearchQuery, where: str, params: dict[str, Any]
) -> int:
    """A page past the end has no row to carry the total: count on its own."""
    if query.offset == 0:
        return 0
    row = await db.fetch_one(
        f"WITH hits AS MATERIALIZED ({hits})"
        f" SELECT count(*) AS n FROM hits CROSS JOIN LATERAL ({_call_of_hit(where)}) AS c",
        params,
    )
    return int(row["n"]) if row else 0


def _call_of_hit(where: str) -> str:
    """The call of one group of hits, if it passes the filters: looked up by its
    key. ``OFFSET 0`` keeps the planner from turning this into a hash join that
    reads every call: there are at most a few thousand hits here, and the
    planner cannot know how few (the tsquery is an init plan)."""
    return f"SELECT {CALL_FIELDS} FROM calls c WHERE c.id = hits.call_id AND {where} OFFSET 0"


async def fetch_snippets_postgres(
    db: Queries,
    call_ids: Sequence[str],
    alternatives: Sequence[Sequence[str]],
    per_call: int,
    sentiment_sql: str = "",
    sentiment_params: dict[str, Any] | None = None,
) -> dict[str, list[Snippet]]:
    """Up to `per_call` matching segments per call, in speaking order, with the
    matched words marked by ``ts_headline`` (whole utterances, as on SQLite)."""
    if not call_ids or per_call <= 0:
        return {}
    phrases = any(" " in term for terms in alternatives for term in terms)
    q, terms = tsquery_sql(alternatives)
    marks = ", ".join(f":call_{i}" for i in range(len(call_ids)))
    params: dict[str, Any] = {f"call_{i}": call_id for i, call_id in enumerate(call_ids)}
    params.update(terms, **(sentiment_params or {}), per_call=per_call, options=HEADLINE_OPTIONS)
    # Headlines only for the segments shown: ts_headline parses the text again.
    rows = await db.fetch_all(
        'SELECT m.call_id, m.id, m.speaker, m."start", m."end", m.sentiment_score, m.text,'
        f" m.translation, ts_headline('callmon_search', m.text, {q}, :options) AS marked_text,"
        " CASE WHEN m.translation IS NULL THEN NULL"
        f" ELSE ts_headline('callmon_search', m.translation, {q}, :options) END AS marked_translation"
        ' FROM (SELECT s.call_id, s.id, s.speaker, s."start", s."end", s.sentiment_score, s.text,'
        ' s.translation, row_number() OVER (PARTITION BY s.call_id ORDER BY s."start", s.id) AS n'
        f" FROM segments s WHERE s.call_id IN ({marks}) AND {within_call(q)}"
        f" {'AND ' + sentiment_sql if sentiment_sql else ''}) AS m"
        ' WHERE m.n <= :per_call ORDER BY m."start", m.id',
        params,
    )
    result: dict[str, list[Snippet]] = {}
    for row in rows:
        text, spans = _marked(row["text"], row["marked_text"], phrases)
        translation, translation_spans = _marked(row["translation"], row["marked_translation"], phrases)
        result.setdefault(row["call_id"], []).append(Snippet(
            segment_id=row["id"], speaker=row["speaker"], start=row["start"], end=row["end"],
            sentiment_score=row["sentiment_score"], text=text or "", spans=spans,
            translation=translation, translation_spans=translation_spans,
        ))  # fmt: skip
    return result


def _marked(
    stored: str | None, headline: str | None, phrases: bool
) -> tuple[str | None, tuple[tuple[int, int], ...]]:
    """Offsets from a headline, checked against the stored text: a headline that
    does not give the text back exactly is not trusted (the text, unmarked).
    ts_headline marks a phrase word by word; FTS5 marks it as one span, and so
    do we: with phrases in the search, marks apart only by spaces are joined."""
    text, spans = spans_from_highlight(headline)
    if text != stored or text is None:
        return stored, ()
    if phrases:
        spans = join_spans(text, spans)
    return text, spans


def join_spans(text: str, spans: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """`spans` with neighbours separated only by whitespace joined into one (pure)."""
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and not text[joined[-1][1] : start].strip():
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return tuple(joined)


def _hit(row: Row, snippets: Sequence[Snippet]) -> CallHit:
    keys = row.keys()
    return CallHit(
        call_id=row["id"], started_at=row["started_at"], ended_at=row["ended_at"],
        duration=row["duration"], agent=row["agent"], agent_name=row["agent_name"],
        campaign=row["campaign"], in_group=row["in_group"], language=row["language"],
        avg_sentiment=row["avg_sentiment"], segment_count=row["segment_count"],
        alert_count=row["alert_count"], status=row["status"],
        matching_segments=row["matching"] if "matching" in keys else None,
        relevance=row["relevance"] if "relevance" in keys else None,
        snippets=tuple(snippets),
    )  # fmt: skip
