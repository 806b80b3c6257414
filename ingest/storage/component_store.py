"""The base every store in the calls database shares: one `Database`, SQL
written once for SQLite and PostgreSQL.

Each component (core, alerts, qa, chat, dashboard) brings its own migrations
(per-dialect `MigrationStep`s). On SQLite every store serialises its writes
behind the database's asyncio lock and waits out other writers; on
PostgreSQL writes run concurrently on pooled connections and a transaction is
retried after a serialization failure or a deadlock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import aiosqlite

from ingest.storage.busy import retry_while_busy
from ingest.storage.connection import in_transaction
from ingest.storage.database import (
    DatabaseTarget,
    PostgresDatabase,
    Queries,
    Row,
    SqliteDatabase,
    open_database_target,
)
from ingest.storage.migrations import Dialect, Migration

T = TypeVar("T")
S = TypeVar("S", bound="ComponentStore")


class ComponentStore:
    """Subclasses set `COMPONENT` and `MIGRATIONS`; create with
    ``await Sub.open(url_or_path)`` (a SQLite path, ``sqlite:///...`` or ``postgresql://...``)."""

    COMPONENT: ClassVar[str]
    MIGRATIONS: ClassVar[Sequence[Migration]]

    def __init__(self, database: SqliteDatabase | PostgresDatabase) -> None:
        self._database = database

    @classmethod
    async def open(
        cls: type[S],
        where: str | Path | DatabaseTarget,
        *,
        busy_timeout_s: float = 5.0,
        lock_wait_s: float = 30.0,
    ) -> S:
        """Open (creating if needed) the database with this component's tables up to
        date. SQLite: `busy_timeout_s` is SQLite's own wait per attempt. Both:
        `lock_wait_s` bounds the total wait for another writer before a write gives up."""
        database = await open_database_target(where, busy_timeout_s=busy_timeout_s, lock_wait_s=lock_wait_s)
        try:
            await database.migrate(cls.COMPONENT, cls.MIGRATIONS)
        except BaseException:
            await database.close()
            raise
        return cls(database)

    @property
    def database(self) -> SqliteDatabase | PostgresDatabase:
        return self._database

    @property
    def dialect(self) -> Dialect:
        return self._database.dialect

    @property
    def path(self) -> Path | None:
        """The SQLite file; None on PostgreSQL."""
        return self._database.path

    async def close(self) -> None:
        await self._database.close()

    async def _transaction(self, what: str, body: Callable[[Queries], Awaitable[T]]) -> T:
        """`body` in one transaction, retried while another writer is in the way."""
        return await self._database.run_transaction(body, what=what)

    async def _read(self, sql: str, params: Any = ()) -> list[Row]:
        return await self._database.fetch_all(sql, params)

    async def _execute(self, sql: str, params: Any = ()) -> int:
        """One statement in its own transaction; the number of rows it changed."""
        return await self._database.execute(sql, params)

    # ------------------------------------------- SQLite-only (not yet ported)

    @property
    def _sqlite(self) -> SqliteDatabase:
        if not isinstance(self._database, SqliteDatabase):
            raise NotImplementedError(f"{type(self).__name__} does not support PostgreSQL yet")
        return self._database

    @property
    def _db(self) -> aiosqlite.Connection:
        """The raw SQLite connection, for stores not yet ported to `Queries`."""
        return self._sqlite.connection

    @property
    def _lock(self) -> asyncio.Lock:
        return self._sqlite.lock

    @property
    def _lock_wait_s(self) -> float:
        return self._sqlite.lock_wait_s

    async def _write(self, what: str, body: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """SQLite only: `body` on the raw connection in one ``BEGIN IMMEDIATE`` transaction."""
        sqlite = self._sqlite
        async with sqlite.lock:
            return await retry_while_busy(
                lambda: in_transaction(sqlite.connection, body), what=what, limit_s=sqlite.lock_wait_s
            )
