"""Retention: delete calls older than a cut-off, with everything that hangs off them.

One ``BEGIN IMMEDIATE`` transaction removes, for the chosen calls, their
alert deliveries, alerts, QA scorecards, call events, segments (whose delete
trigger removes the matching FTS5 index rows) and the calls themselves: a
reader sees the calls either whole or gone, and the index never points at a
deleted segment. A call is old when it ended (or, still marked active, it
started) before the cut-off.

On PostgreSQL the same deletions run in one transaction on one pooled
connection, with the doomed ids in a temporary table dropped at commit; the
generated search vector goes with its segment row, so there is no index to
keep in step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from ingest.storage.busy import retry_while_busy
from ingest.storage.connection import in_transaction, open_database
from ingest.storage.database import PostgresDatabase, Queries, SqliteDatabase
from ingest.storage.schema import COMPONENT, CORE_MIGRATIONS
from qa.database import QAStore, is_postgres, postgres, sqlite_location, table_exists
from qa.settings import RETENTION_ENV, QASettings, parse_age

__all__ = [
    "RETENTION_ENV",
    "PurgeCounts",
    "count_purge",
    "cutoff_for",
    "parse_age",
    "purge_calls",
    "retention_from_env",
]


# (table, condition on the doomed call ids in the temporary table {doomed});
# children first. SQLite names the table temp.purge_calls, PostgreSQL pg_temp.purge_calls.
_DELETIONS = (
    ("alert_deliveries", "alert_id IN (SELECT id FROM alerts WHERE call_id IN (SELECT id FROM {doomed}))"),
    ("alerts", "call_id IN (SELECT id FROM {doomed})"),
    ("qa_scorecards", "call_id IN (SELECT id FROM {doomed})"),
    ("call_events", "call_id IN (SELECT id FROM {doomed})"),
    ("segments", "call_id IN (SELECT id FROM {doomed})"),
    ("calls", "id IN (SELECT id FROM {doomed})"),
)
_SQLITE_DOOMED = "temp.purge_calls"
_POSTGRES_DOOMED = "pg_temp.purge_calls"


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    """Rows per table that a purge deletes (or deleted)."""

    cutoff: float
    rows: dict[str, int]

    @property
    def calls(self) -> int:
        return self.rows.get("calls", 0)


def retention_from_env() -> float | None:
    """The default retention in seconds from ``CALLMON_RETENTION_DAYS`` (or ``[qa]``), or None if unset."""
    return QASettings.from_env().retention_s


async def count_purge(db_path: QAStore, cutoff: float) -> PurgeCounts:
    """What `purge_calls(db_path, cutoff)` would delete, without deleting it."""
    if is_postgres(db_path):
        async with postgres(db_path) as database:
            return PurgeCounts(cutoff, await _on_postgres(database, cutoff, delete=False))
    db = await open_database(_sqlite_path(db_path), component=COMPONENT, steps=CORE_MIGRATIONS)
    try:
        await _select_calls(db, cutoff)
        return PurgeCounts(cutoff, await _count(db))
    finally:
        await db.close()


async def purge_calls(db_path: QAStore, cutoff: float, *, lock_wait_s: float = 60.0) -> PurgeCounts:
    """Delete every call that ended before `cutoff` (epoch seconds), in one transaction."""
    if is_postgres(db_path):
        async with postgres(db_path) as database:
            return PurgeCounts(cutoff, await _on_postgres(database, cutoff, delete=True))
    db = await open_database(
        _sqlite_path(db_path), component=COMPONENT, steps=CORE_MIGRATIONS, lock_wait_s=lock_wait_s
    )

    async def body(conn: aiosqlite.Connection) -> dict[str, int]:
        await _select_calls(conn, cutoff)
        deleted: dict[str, int] = {}
        for table, condition in _DELETIONS:
            if await _has_table(conn, table):
                where = condition.format(doomed=_SQLITE_DOOMED)
                cursor = await conn.execute(f"DELETE FROM {table} WHERE {where}")
                deleted[table] = cursor.rowcount
        return deleted

    try:
        rows = await retry_while_busy(
            lambda: in_transaction(db, body), what="purge old calls", limit_s=lock_wait_s
        )
        return PurgeCounts(cutoff, rows)
    finally:
        await db.close()


def cutoff_for(age_s: float, now: float | None = None) -> float:
    return (time.time() if now is None else now) - age_s


async def _select_calls(db: aiosqlite.Connection, cutoff: float) -> None:
    await db.execute("CREATE TEMP TABLE IF NOT EXISTS purge_calls (id TEXT PRIMARY KEY)")
    await db.execute("DELETE FROM temp.purge_calls")
    await db.execute(
        "INSERT INTO temp.purge_calls SELECT id FROM calls WHERE COALESCE(ended_at, started_at) < ?",
        (cutoff,),
    )


async def _count(db: aiosqlite.Connection) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table, condition in _DELETIONS:
        if await _has_table(db, table):
            where = condition.format(doomed=_SQLITE_DOOMED)
            async with db.execute(f"SELECT count(*) FROM {table} WHERE {where}") as cursor:
                row = await cursor.fetchone()
            counts[table] = row[0] if row else 0
    return counts


async def _has_table(db: aiosqlite.Connection, name: str) -> bool:
    async with db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) as cursor:
        return await cursor.fetchone() is not None


def _sqlite_path(db: QAStore) -> Path:
    location = sqlite_location(db)
    if not isinstance(location, Path):
        raise TypeError("retention opens its own SQLite connection: give the database file")
    return location


async def _on_postgres(
    database: PostgresDatabase | SqliteDatabase, cutoff: float, *, delete: bool
) -> dict[str, int]:
    """Count (or delete) the old calls' rows in one transaction on PostgreSQL."""
    tables = {table for table, _ in _DELETIONS if await table_exists(database, table)}
    if "calls" not in tables:
        return {}

    async def body(queries: Queries) -> dict[str, int]:
        await queries.execute("CREATE TEMPORARY TABLE purge_calls (id TEXT PRIMARY KEY) ON COMMIT DROP")
        await queries.execute(
            f"INSERT INTO {_POSTGRES_DOOMED} SELECT id FROM calls WHERE COALESCE(ended_at, started_at) < ?",
            (cutoff,),
        )
        rows: dict[str, int] = {}
        for table, condition in _DELETIONS:
            if table not in tables:
                continue
            where = condition.format(doomed=_POSTGRES_DOOMED)
            if delete:
                rows[table] = await queries.execute(f"DELETE FROM {table} WHERE {where}")
            else:
                row = await queries.fetch_one(f"SELECT count(*) AS n FROM {table} WHERE {where}")
                rows[table] = int(row["n"]) if row else 0
        return rows

    return await database.run_transaction(body, what="purge old calls" if delete else "count old calls")
