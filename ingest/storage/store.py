"""`CallStore`: calls, transcript segments and call events, on SQLite or PostgreSQL.

On SQLite one aiosqlite connection per store and one `asyncio.Lock` around
it: SQLite has a single writer, and serialising here means our own coroutines
never fight each other for the write lock, only other processes do (handled
by `retry_while_busy`). On PostgreSQL writes run concurrently; a transaction
that reads a call row before changing it locks that row (``FOR UPDATE``).
Every write is one transaction committed before the method returns, so a
published event is always already stored.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
import time
from collections.abc import Mapping
from typing import Any

from ingest.events import CallEnded, CallStarted, CallSummary, TranscriptSegment
from ingest.storage.component_store import ComponentStore
from ingest.storage.database import Queries, Row, SqliteDatabase
from ingest.storage.rows import (
    CALL_COLUMNS,
    SEGMENT_COLUMNS,
    from_json,
    merge_keywords,
    segment_from_row,
    segment_values,
    summary_from_row,
    to_json,
)
from ingest.storage.schema import COMPONENT, CORE_MIGRATIONS
from ingest.storage.search import match_expression, search_terms, tsquery_sql
from ingest.storage.segments_postgres import CREATE_PLACEHOLDER_CALL, add_segment_postgresql

log = logging.getLogger(__name__)

UPDATABLE_CALL_FIELDS = frozenset(
    {"agent", "agent_name", "caller_number", "campaign", "in_group", "language", "metadata"}
)
UNKNOWN_SOURCE = "unknown"

# The call's aggregates after one more scored segment (SQLite; PostgreSQL's
# version is in `segments_postgres`). Right-hand sides see the row as it was
# before the UPDATE.
_AGGREGATE_SQLITE = (
    "UPDATE calls SET"
    " avg_sentiment = (COALESCE(avg_sentiment, 0) * segment_count + :score)"
    "   / (segment_count + 1),"
    " min_sentiment = MIN(COALESCE(min_sentiment, :score), :score),"
    " max_sentiment = MAX(COALESCE(max_sentiment, :score), :score),"
    " segment_count = segment_count + 1,"
    " positive_count = positive_count + (:label = 'positive'),"
    " negative_count = negative_count + (:label = 'negative'),"
    " neutral_count = neutral_count + (:label = 'neutral'),"
    " language = COALESCE(language, :language),"
    " keywords = :keywords"
    " WHERE id = :call_id"
)


class CallStore(ComponentStore):
    """Async access to the callmon database. Create with `await CallStore.open(url_or_path)`."""

    COMPONENT = COMPONENT
    MIGRATIONS = CORE_MIGRATIONS

    # ------------------------------------------------------------------ writes

    async def start_call(self, event: CallStarted, worker_id: str | None = None) -> CallSummary:
        """Record a call (or another leg / a reconnect of it): never resets its counters.

        `worker_id` (several workers share a store) is stored as the call's owner in the
        same transaction: a worker killed right after the start cannot leave an
        `active` call that no worker's recovery would claim as its own."""

        async def write(tx: Queries) -> CallSummary:
            created = await tx.execute(
                "INSERT INTO calls (id, source, started_at, metadata) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (event.call_id, event.source, event.started_at, to_json(dict(event.metadata))),
            )
            if not created:
                row = await _fetch_call_row(tx, event.call_id, for_update=True)
                assert row is not None, f"call {event.call_id} vanished inside its own transaction"
                stored = from_json(row["metadata"], {})
                if row["status"] == "ended":
                    log.info("call %s started again after it ended; reopening it", event.call_id)
                    # What the call was stored with stands (its agent, campaign): a stream
                    # replayed for a finished call may add parameters, never rewrite them.
                    metadata = {**event.metadata, **stored}
                else:
                    metadata = {**stored, **event.metadata}
                source = event.source if row["source"] == UNKNOWN_SOURCE else row["source"]
                await tx.execute(
                    "UPDATE calls SET source = ?, started_at = ?, metadata = ?,"
                    " status = 'active', ended_at = NULL, duration = NULL, end_reason = NULL"
                    " WHERE id = ?",
                    (source, min(row["started_at"], event.started_at), to_json(metadata), event.call_id),
                )
            if worker_id is not None:
                await tx.execute("UPDATE calls SET worker_id = ? WHERE id = ?", (worker_id, event.call_id))
            return await _fetch_summary(tx, event.call_id)

        return await self._transaction(f"start call {event.call_id}", write)

    async def add_segment(self, segment: TranscriptSegment) -> TranscriptSegment:
        """Store `segment` and update its call's aggregates in the same transaction.

        The hot path of the worker: on SQLite one transaction, run on the
        database thread in one hop (see `in_thread_transaction`).
        """
        values = segment_values(segment)
        columns = ", ".join(f'"{name}"' for name in values)
        placeholders = ", ".join(f":{name}" for name in values)
        insert = f"INSERT INTO segments ({columns}) VALUES ({placeholders})"
        aggregates = {
            "score": segment.sentiment_score,
            "label": segment.sentiment_label,
            "language": segment.language,
            "call_id": segment.call_id,
        }

        def write(conn: sqlite3.Connection) -> int:
            created = conn.execute(
                "INSERT OR IGNORE INTO calls (id, source, started_at) VALUES (?, ?, ?)",
                (segment.call_id, UNKNOWN_SOURCE, segment.created_at),
            ).rowcount
            if created:
                log.warning("call %s was not started before its first record; created it", segment.call_id)
            segment_id = conn.execute(insert, values).lastrowid
            (stored_keywords,) = conn.execute(
                "SELECT keywords FROM calls WHERE id = ?", (segment.call_id,)
            ).fetchone()
            keywords = merge_keywords(from_json(stored_keywords, []), segment.keywords)
            if not segment.transcribed:
                # No text, no score: it must not pull the call's sentiment to 0.
                conn.execute(
                    "UPDATE calls SET language = COALESCE(language, ?) WHERE id = ?",
                    (segment.language, segment.call_id),
                )
                assert segment_id is not None
                return segment_id
            conn.execute(_AGGREGATE_SQLITE, {**aggregates, "keywords": to_json(keywords)})
            assert segment_id is not None
            return segment_id

        what = f"add segment to call {segment.call_id}"
        if isinstance(self.database, SqliteDatabase):
            segment_id = await self.database.run_in_thread(write, what=what)
        else:
            segment_id = await self.database.run_connected(
                lambda db, retry: add_segment_postgresql(
                    db, segment, values, placeholder_source=UNKNOWN_SOURCE, retry=retry
                ),
                what=what,
            )
        return dataclasses.replace(segment, id=segment_id)

    async def set_translation(self, segment_id: int, translation: str) -> TranscriptSegment:
        """Attach a translation that arrived after the segment was stored."""

        async def write(tx: Queries) -> TranscriptSegment:
            await tx.execute("UPDATE segments SET translation = ? WHERE id = ?", (translation, segment_id))
            row = await tx.fetch_one(f"SELECT {SEGMENT_COLUMNS} FROM segments WHERE id = ?", (segment_id,))
            if row is None:
                raise KeyError(f"no segment {segment_id}")
            return segment_from_row(row)

        return await self._transaction(f"translate segment {segment_id}", write)

    async def add_call_event(self, call_id: str, kind: str, payload: Mapping[str, Any], at: float) -> None:
        """Record something that happened on a call: ``dtmf``, ``error``, ``leg_ended``..."""

        async def write(tx: Queries) -> None:
            await _ensure_call(tx, call_id, at)
            await tx.execute(
                "INSERT INTO call_events (call_id, kind, payload, at) VALUES (?, ?, ?, ?)",
                (call_id, kind, to_json(dict(payload)), at),
            )

        await self._transaction(f"add {kind} event to call {call_id}", write)

    async def end_call(self, event: CallEnded) -> CallSummary:
        """Mark the call ended; ending it again keeps the first end."""

        async def write(tx: Queries) -> CallSummary:
            await _ensure_call(tx, event.call_id, event.ended_at)
            await tx.execute(
                "UPDATE calls SET status = 'ended', ended_at = :ended_at,"
                " duration = CASE WHEN :ended_at > started_at THEN :ended_at - started_at ELSE 0 END,"
                " end_reason = :reason"
                " WHERE id = :call_id AND status = 'active'",
                {"ended_at": event.ended_at, "reason": event.reason, "call_id": event.call_id},
            )
            return await _fetch_summary(tx, event.call_id)

        return await self._transaction(f"end call {event.call_id}", write)

    async def update_call(self, call_id: str, **fields: Any) -> CallSummary:
        """Set call details (agent, campaign...); `metadata` is merged, not replaced."""
        unknown = set(fields) - UPDATABLE_CALL_FIELDS
        if unknown:
            raise ValueError(
                f"update_call: unknown field(s) {', '.join(sorted(unknown))}; "
                f"allowed: {', '.join(sorted(UPDATABLE_CALL_FIELDS))}"
            )

        async def write(tx: Queries) -> CallSummary:
            row = await _fetch_call_row(tx, call_id, for_update=True)
            if row is None:
                raise KeyError(f"no call {call_id!r}")
            values = dict(fields)
            if "metadata" in values:
                values["metadata"] = to_json({**from_json(row["metadata"], {}), **values["metadata"]})
            if values:
                assignments = ", ".join(f"{name} = :{name}" for name in values)
                await tx.execute(
                    f"UPDATE calls SET {assignments} WHERE id = :call_id",
                    {**values, "call_id": call_id},
                )
            return await _fetch_summary(tx, call_id)

        return await self._transaction(f"update call {call_id}", write)

    async def count_alert(self, call_id: str) -> CallSummary:
        """Add one to the call's alert count (the alert itself is stored by alerts/)."""

        async def write(tx: Queries) -> CallSummary:
            await _ensure_call(tx, call_id, time.time())
            await tx.execute("UPDATE calls SET alert_count = alert_count + 1 WHERE id = ?", (call_id,))
            return await _fetch_summary(tx, call_id)

        return await self._transaction(f"count alert on call {call_id}", write)

    async def delete_call(self, call_id: str) -> bool:
        """Delete a call with its segments and events (retention); False if absent."""

        async def write(tx: Queries) -> bool:
            return await tx.execute("DELETE FROM calls WHERE id = ?", (call_id,)) > 0

        return await self._transaction(f"delete call {call_id}", write)

    # ------------------------------------------------------------------- reads

    async def get_call(self, call_id: str) -> CallSummary | None:
        row = await _fetch_call_row(self.database, call_id)
        return None if row is None else summary_from_row(row)

    async def list_calls(self, limit: int = 50, status: str | None = None) -> list[CallSummary]:
        """Calls, newest first, optionally only ``active`` or ``ended`` ones."""
        where, params = ("WHERE status = ?", [status]) if status else ("", [])
        rows = await self._read(
            f"SELECT {CALL_COLUMNS} FROM calls {where} ORDER BY started_at DESC, id LIMIT ?",
            (*params, limit),
        )
        return [summary_from_row(row) for row in rows]

    async def list_segments(self, call_id: str) -> list[TranscriptSegment]:
        rows = await self._read(
            f'SELECT {SEGMENT_COLUMNS} FROM segments WHERE call_id = ? ORDER BY "start", id',
            (call_id,),
        )
        return [segment_from_row(row) for row in rows]

    async def list_call_events(self, call_id: str) -> list[dict[str, Any]]:
        rows = await self._read(
            "SELECT id, call_id, kind, payload, at FROM call_events WHERE call_id = ? ORDER BY at, id",
            (call_id,),
        )
        return [{**dict(row), "payload": from_json(row["payload"], {})} for row in rows]

    async def search_segments(self, query: str, limit: int = 50) -> list[TranscriptSegment]:
        """Segments whose text or translation contains every word/phrase of `query`,
        best match first. Any input is safe: it is read as plain words."""
        if self.dialect == "postgresql":
            return await self._search_segments_postgresql(query, limit)
        expression = match_expression(query)
        if expression is None:
            return []
        rows = await self._read(
            f"SELECT {SEGMENT_COLUMNS} FROM"
            " (SELECT rowid, rank FROM segments_fts WHERE segments_fts MATCH ?"
            "  ORDER BY rank LIMIT ?) AS hits"
            " JOIN segments ON segments.id = hits.rowid ORDER BY hits.rank",
            (expression, limit),
        )
        return [segment_from_row(row) for row in rows]

    async def _search_segments_postgresql(self, query: str, limit: int) -> list[TranscriptSegment]:
        terms = search_terms(query)
        if not terms:
            return []
        rows = await self._read(
            f"SELECT {SEGMENT_COLUMNS} FROM segments, (SELECT {tsquery_sql(terms)}) AS q (query)"
            " WHERE search_vector @@ q.query ORDER BY ts_rank(search_vector, q.query) DESC, id LIMIT ?",
            (*terms, limit),
        )
        return [segment_from_row(row) for row in rows]

    async def agent_stats(self, days: int = 7) -> list[dict[str, Any]]:
        """Per agent over calls started in the last `days` days (agent None = unassigned)."""
        since = time.time() - days * 86400
        rows = await self._read(
            "SELECT agent, MAX(agent_name) AS agent_name, COUNT(*) AS calls,"
            " SUM(segment_count) AS segments,"
            " SUM(avg_sentiment * segment_count) / NULLIF(SUM(segment_count), 0) AS avg_sentiment,"
            " SUM(positive_count) AS positive_segments,"
            " SUM(negative_count) AS negative_segments,"
            " SUM(alert_count) AS alerts, AVG(duration) AS avg_duration"
            " FROM calls WHERE started_at >= ? GROUP BY agent ORDER BY calls DESC, agent",
            (since,),
        )
        return [dict(row) for row in rows]

    # --------------------------------------------------------- worker ownership

    async def active_calls_of(self, worker_id: str | None) -> list[CallSummary]:
        """The `active` calls owned by `worker_id` (None: by no worker, as before ownership)."""
        where = "worker_id IS NULL" if worker_id is None else "worker_id = ?"
        rows = await self._read(
            f"SELECT {CALL_COLUMNS} FROM calls WHERE status = 'active' AND {where} ORDER BY started_at, id",
            () if worker_id is None else (worker_id,),
        )
        return [summary_from_row(row) for row in rows]

    async def active_call_owners(self) -> set[str]:
        """The workers that own at least one `active` call."""
        rows = await self._read(
            "SELECT DISTINCT worker_id FROM calls WHERE status = 'active' AND worker_id IS NOT NULL"
        )
        return {row["worker_id"] for row in rows}


async def _fetch_call_row(db: Queries, call_id: str, *, for_update: bool = False) -> Row | None:
    """The call's row; `for_update` locks it until the transaction ends (PostgreSQL;
    SQLite's transaction already holds the only write lock)."""
    lock = " FOR UPDATE" if for_update and db.dialect == "postgresql" else ""
    return await db.fetch_one(f"SELECT {CALL_COLUMNS} FROM calls WHERE id = ?{lock}", (call_id,))


async def _fetch_summary(db: Queries, call_id: str) -> CallSummary:
    row = await _fetch_call_row(db, call_id)
    assert row is not None, f"call {call_id} vanished inside its own transaction"
    return summary_from_row(row)


async def _ensure_call(tx: Queries, call_id: str, at: float) -> None:
    """Create a placeholder row for a call we never saw start, so nothing about it is lost."""
    if await tx.execute(CREATE_PLACEHOLDER_CALL, (call_id, UNKNOWN_SOURCE, at)):
        log.warning("call %s was not started before its first record; created it", call_id)
