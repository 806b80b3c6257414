"""Opening the callmon database the one right way (shared by every component)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar, cast

import aiosqlite

from ingest.storage.busy import retry_while_busy
from ingest.storage.migrations import Migration, apply_migrations

log = logging.getLogger(__name__)
T = TypeVar("T")


async def open_database(
    path: str | Path,
    *,
    component: str,
    steps: Sequence[Migration],
    busy_timeout_s: float = 5.0,
    lock_wait_s: float = 30.0,
) -> aiosqlite.Connection:
    """Connect to the SQLite file at `path` (parent folders created) in WAL mode with
    foreign keys on, rows as `sqlite3.Row`, and `component`'s migrations applied.

    The connection is in autocommit mode (``isolation_level=None``): write with
    `in_transaction()` so each change is one ``BEGIN IMMEDIATE`` transaction.
    """
    db = await connect_sqlite(path, busy_timeout_s=busy_timeout_s, lock_wait_s=lock_wait_s)
    try:
        await retry_while_busy(
            lambda: apply_migrations(db, component, steps),
            what=f"migrate {component} in {path}",
            limit_s=lock_wait_s,
        )
    except BaseException:
        await db.close()
        raise
    return db


async def connect_sqlite(
    path: str | Path, *, busy_timeout_s: float = 5.0, lock_wait_s: float = 30.0
) -> aiosqlite.Connection:
    """`open_database` without the migrations: WAL, foreign keys, `sqlite3.Row` rows."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = await aiosqlite.connect(path, isolation_level=None)
    db.row_factory = sqlite3.Row
    try:
        await db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        await db.execute("PRAGMA foreign_keys = ON")
        # In WAL mode NORMAL still survives any crash of callmon itself; only an
        # OS crash or power cut can lose the last commits. FULL fsyncs on every
        # commit, which cost up to 700 ms per segment on this disk under load.
        await db.execute("PRAGMA synchronous = NORMAL")
        await retry_while_busy(lambda: _enable_wal(db), what=f"enable WAL on {path}", limit_s=lock_wait_s)
    except BaseException:
        await db.close()
        raise
    return db


async def in_transaction(db: aiosqlite.Connection, body: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
    """Run `body` inside ``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back if it raises).
    Wrap in `retry_while_busy` to wait out other writers."""
    await db.execute("BEGIN IMMEDIATE")
    try:
        result = await body(db)
        await db.commit()
    except BaseException:
        await db.rollback()
        raise
    return result


async def in_thread_transaction(db: aiosqlite.Connection, body: Callable[[sqlite3.Connection], T]) -> T:
    """Run a *synchronous* `body` inside one ``BEGIN IMMEDIATE`` ... ``COMMIT``
    on the connection's own thread, in a single hop.

    Every aiosqlite call is a round trip through the event loop; on a loop busy
    with hundreds of audio streams a six-statement transaction paid that six
    times and held the write lock meanwhile (measured: p95 89 ms per segment at
    100 calls). aiosqlite has no public call for "run this function on the
    connection's thread", so this uses its `_execute` and `_conn`, which every
    aiosqlite release since 0.11 has had.
    """

    def transaction(conn: sqlite3.Connection) -> T:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = body(conn)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        return result

    # aiosqlite's private hop to its thread is untyped; `transaction` returns T.
    return cast(T, await db._execute(transaction, db._conn))  # type: ignore[no-untyped-call]  # see the docstring


async def _enable_wal(db: aiosqlite.Connection) -> None:
    # Close the cursor: an unfinished statement keeps a read snapshot open, and
    # a stale snapshot can never be upgraded to a write ("database is locked").
    async with db.execute("PRAGMA journal_mode = WAL") as cursor:
        row = await cursor.fetchone()
    if row is None or row[0] != "wal":
        log.warning("SQLite refused WAL mode (journal_mode=%s); readers will block writers", row)
