"""The QA search bench's PostgreSQL side: a server and the same store, copied.

The store is generated once into SQLite (bench/qa_search.py); PostgreSQL gets
the very same rows, so both backends answer the same questions over the same
data. The schema is created by the real stores (`CallStore`, `AlertStore`,
`ScorecardStore` opened on the URL); the secondary indexes are dropped, the
rows loaded with ``COPY`` and the indexes rebuilt from their own definitions
(one sorted build, far quicker than keeping a GIN index up to date row by
row). Segments are staged and given their call's keys in one join, not by
the per-row trigger. Then ``VACUUM (ANALYZE)``: statistics for the planner
and QA search's plan choice, and the visibility map and hint bits a
long-running database has from autovacuum (without them the first searches
would write back every page they read).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from alerts.store import AlertStore
from ingest.storage import CallStore
from ingest.storage.schema import CORE_MIGRATIONS
from qa import ScorecardStore
from tests.support.postgres import PostgresServer

TABLES = ("calls", "segments", "alerts")
"""What the bench store holds (children after their calls, for the foreign keys)."""
BATCH_ROWS = 20_000


@contextlib.contextmanager
def bench_server() -> Iterator[str]:
    """A throwaway PostgreSQL (the test launcher's) for this run; yields its URL."""
    server = PostgresServer()
    try:
        server.start()
        yield server.create_database()
    finally:
        server.stop()


def stored_segments(url: str) -> int | None:
    """Segments already in the database at `url`, or None when it has no schema yet."""
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('segments')").fetchone() == (None,):
            return None
        row = conn.execute("SELECT count(*) FROM segments").fetchone()
        return int(row[0]) if row else 0


def schema_is_current(url: str) -> bool:
    """Whether the database at `url` has every core migration of this checkout
    (a store loaded by an older one is reloaded, not searched with old indexes)."""
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('schema_migrations')").fetchone() == (None,):
            return False
        row = conn.execute("SELECT max(version) FROM schema_migrations WHERE component = 'core'").fetchone()
        return bool(row and row[0] == len(CORE_MIGRATIONS))


def load_postgres(sqlite_path: Path, url: str) -> float:
    """Copy the bench store at `sqlite_path` into the database at `url`, replacing
    what it held; returns the seconds it took."""
    began = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        # Emptied before migrating: a new step then has no old rows to rewrite.
        present = [t for t in TABLES if conn.execute("SELECT to_regclass(%s)", (t,)).fetchone() != (None,)]
        if present:
            conn.execute(f"TRUNCATE {', '.join(present)} CASCADE")

    async def create_schema() -> None:
        for opener in (CallStore.open, AlertStore.open, ScorecardStore.open):
            store = await opener(url)
            await store.close()

    asyncio.run(create_schema())
    source = sqlite3.connect(f"{sqlite_path.resolve().as_uri()}?mode=ro", uri=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")  # a reload replaces, never adds
        indexes = _secondary_indexes(conn)
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        for table in TABLES:
            _copy_table(source, conn, table)
        for _name, definition in indexes:
            conn.execute(definition)
        conn.execute("VACUUM (ANALYZE)")
    source.close()
    return time.monotonic() - began


def _secondary_indexes(conn: psycopg.Connection) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i"
        " JOIN pg_index x ON x.indexrelid = to_regclass(quote_ident(i.indexname))"
        " WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) AND NOT x.indisprimary",
        (list(TABLES),),
    ).fetchall()
    return [(str(name), str(definition)) for name, definition in rows]


def _copy_table(source: sqlite3.Connection, conn: psycopg.Connection, table: str) -> None:
    """Every row of `table`, in the columns both sides have (generated ones excluded)."""
    writable = {
        row[0]
        for row in conn.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s AND is_generated = 'NEVER'",
            (table,),
        )
    }
    columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})") if row[1] in writable]
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = source.execute(f"SELECT {names} FROM {table}")
    keyed = table == "segments" and "call_keys" in writable
    target = table
    if keyed:
        # Each segment row takes its call's keys in a trigger, a statement per
        # row: the rows are staged, then inserted with their keys in one join.
        conn.execute(f"CREATE TEMP TABLE segments_load AS SELECT {names} FROM segments WITH NO DATA")
        target = "segments_load"
    with conn.cursor() as pg, pg.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        while batch := cursor.fetchmany(BATCH_ROWS):
            for row in batch:
                copy.write_row(row)
    if keyed:
        staged = ", ".join(f's."{c}"' for c in columns)
        conn.execute("ALTER TABLE segments DISABLE TRIGGER segments_take_call_keys")
        conn.execute(
            f"INSERT INTO segments ({names}, call_keys) SELECT {staged}, callmon_call_keys(c.language,"
            " c.agent, c.campaign, c.in_group, c.started_at, c.alert_count)"
            " FROM segments_load s JOIN calls c ON c.id = s.call_id"
        )
        conn.execute("ALTER TABLE segments ENABLE TRIGGER segments_take_call_keys")
        conn.execute("DROP TABLE segments_load")
    # Ids were copied as they are: move an identity's sequence past them.
    sequence = conn.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()
    if sequence and sequence[0]:
        conn.execute(f"SELECT setval(%s, max(id)) FROM {table} HAVING max(id) IS NOT NULL", (sequence[0],))
