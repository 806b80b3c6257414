"""The matching segments shown under each search result, with match offsets.

Segments are single utterances, so the whole text is returned (FTS5's
``highlight()``), not a cut-down ``snippet()``: a reviewer reads the sentence.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite

from qa.query import Snippet
from qa.text import CLOSE_MARK, OPEN_MARK, spans_from_highlight


async def fetch_snippets(
    conn: aiosqlite.Connection,
    call_ids: Sequence[str],
    expression: str,
    per_call: int,
    sentiment_sql: str = "",
    sentiment_params: dict[str, Any] | None = None,
) -> dict[str, list[Snippet]]:
    """Up to `per_call` matching segments per call, in speaking order."""
    if not call_ids or per_call <= 0:
        return {}
    marks = ", ".join(f":call_{i}" for i in range(len(call_ids)))
    params: dict[str, Any] = {f"call_{i}": call_id for i, call_id in enumerate(call_ids)}
    params.update(sentiment_params or {}, match=expression, open=OPEN_MARK, close=CLOSE_MARK)
    # Per call, FTS5 is asked only about that call's rowid range (a seek in
    # each word's list), never for every match in the store.
    sql = (
        "WITH ranges AS MATERIALIZED (SELECT call_id, min(id) AS lo, max(id) AS hi FROM segments"
        f" WHERE call_id IN ({marks}) GROUP BY call_id)"
        ' SELECT s.call_id, s.id, s.speaker, s."start", s."end", s.sentiment_score,'
        " highlight(segments_fts, 0, :open, :close) AS text,"
        " highlight(segments_fts, 1, :open, :close) AS translation"
        " FROM ranges CROSS JOIN segments_fts CROSS JOIN segments s"
        " ON segments_fts.rowid BETWEEN ranges.lo AND ranges.hi AND s.id = segments_fts.rowid"
        " AND s.call_id = ranges.call_id"
        f" WHERE segments_fts MATCH :match {'AND ' + sentiment_sql if sentiment_sql else ''}"
    )
    result: dict[str, list[Snippet]] = {}
    async with conn.execute(sql, params) as cursor:
        cursor.row_factory = sqlite3.Row
        rows = sorted(await cursor.fetchall(), key=lambda r: (r["start"], r["id"]))
        for row in rows:
            if len(result.get(row["call_id"], ())) >= per_call:
                continue
            text, spans = spans_from_highlight(row["text"])
            translation, translation_spans = spans_from_highlight(row["translation"])
            result.setdefault(row["call_id"], []).append(Snippet(
                segment_id=row["id"], speaker=row["speaker"], start=row["start"], end=row["end"],
                sentiment_score=row["sentiment_score"], text=text or "", spans=spans,
                translation=translation, translation_spans=translation_spans,
            ))  # fmt: skip
    return result
