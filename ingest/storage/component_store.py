"""The base every store in the calls database shares: one connection, one lock.

SQLite has one writer at a time, so each store serialises its own writes
behind an asyncio lock and waits out other writers (`retry_while_busy`); each
component (core, alerts, qa, chat, dashboard) brings its own migrations.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import aiosqlite

from ingest.storage.busy import retry_while_busy
from ingest.storage.connection import in_transaction, open_database

T = TypeVar("T")
S = TypeVar("S", bound="ComponentStore")


class ComponentStore:
    """Subclasses set `COMPONENT` and `MIGRATIONS`; create with `await Sub.open(path)`."""

    COMPONENT: ClassVar[str]
    MIGRATIONS: ClassVar[Sequence[str]]

    def __init__(self, db: aiosqlite.Connection, path: Path, *, lock_wait_s: float = 30.0) -> None:
        self._db = db
        self._path = path
        self._lock_wait_s = lock_wait_s
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls: type[S], path: str | Path, *, busy_timeout_s: float = 5.0, lock_wait_s: float = 30.0
    ) -> S:
        """Open (creating if needed) the database at `path` with this component's tables
        up to date. `busy_timeout_s` is SQLite's own wait per attempt; `lock_wait_s`
        bounds the total wait for another writer before a write gives up."""
        db = await open_database(
            path,
            component=cls.COMPONENT,
            steps=cls.MIGRATIONS,
            busy_timeout_s=busy_timeout_s,
            lock_wait_s=lock_wait_s,
        )
        return cls(db, Path(path), lock_wait_s=lock_wait_s)

    @property
    def path(self) -> Path:
        return self._path

    async def close(self) -> None:
        async with self._lock:
            await self._db.close()

    async def _write(self, what: str, body: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """`body` in one transaction, retried while another writer holds the database."""
        async with self._lock:
            return await retry_while_busy(
                lambda: in_transaction(self._db, body), what=what, limit_s=self._lock_wait_s
            )

    async def _read(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        async with self._lock, self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())
