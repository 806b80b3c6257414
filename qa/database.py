"""Which store a QA function was given, and opening it for the length of one call.

QA functions accept what their callers have: a SQLite path (the CLI, the
dashboard on SQLite), an open aiosqlite connection (tests, the search page),
a database URL (``sqlite:///...`` or ``postgresql://...``) or its
`DatabaseTarget` (opened for the one call), or an open `Database` from
``ingest.storage.database`` (a process on PostgreSQL keeps one pool and
passes it in: no connection set up per search). SQLite keeps its own tuned paths (read-only
connections, FTS5); everything given as PostgreSQL goes through `Database`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from ingest.storage.database import (
    DatabaseTarget,
    PostgresDatabase,
    Queries,
    SqliteDatabase,
    as_target,
    open_database_target,
)

QAStore = str | Path | DatabaseTarget | aiosqlite.Connection | SqliteDatabase | PostgresDatabase
"""Anything a QA function accepts as its database."""


def is_postgres(db: QAStore) -> bool:
    """True when `db` is a PostgreSQL `Database` or a ``postgresql://`` URL."""
    if isinstance(db, aiosqlite.Connection | Path):
        return False
    if isinstance(db, str):
        return "://" in db and as_target(db).dialect == "postgresql"
    return db.dialect == "postgresql"  # a DatabaseTarget or an open Database


def sqlite_location(db: QAStore) -> Path | aiosqlite.Connection:
    """The SQLite file (or connection) behind `db`, which is not PostgreSQL."""
    if isinstance(db, aiosqlite.Connection | Path):
        return db
    if isinstance(db, str | DatabaseTarget):
        target = as_target(db)
        assert target.path is not None, "a PostgreSQL URL has no SQLite file"
        return target.path
    path = getattr(db, "path", None)
    if not isinstance(path, Path):
        raise TypeError(f"{type(db).__name__} is not a SQLite database")
    return path


async def table_exists(db: Queries, name: str) -> bool:
    """Whether PostgreSQL's current schema has table `name` (a component not opened there yet)."""
    row = await db.fetch_one("SELECT to_regclass(CAST(? AS text)) IS NOT NULL AS present", (name,))
    return bool(row and row["present"])


@asynccontextmanager
async def sqlite_read_only(db: Path | aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """An open connection as it is, or the file opened read-only for one call."""
    if isinstance(db, aiosqlite.Connection):
        yield db
        return
    if not db.exists():
        raise FileNotFoundError(f"no database at {db}")
    conn = await aiosqlite.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        await conn.execute("PRAGMA busy_timeout = 5000")
        yield conn
    finally:
        await conn.close()


@asynccontextmanager
async def postgres(db: QAStore) -> AsyncIterator[SqliteDatabase | PostgresDatabase]:
    """`db` as an open PostgreSQL `Database`: used as it is when it already is one
    (the caller closes it), else opened from its URL and closed afterwards."""
    if isinstance(db, SqliteDatabase | PostgresDatabase):
        yield db
        return
    if isinstance(db, aiosqlite.Connection):
        raise TypeError("an aiosqlite connection is not a PostgreSQL database")
    opened = await open_database_target(db if isinstance(db, DatabaseTarget) else str(db))
    try:
        yield opened
    finally:
        await opened.close()
