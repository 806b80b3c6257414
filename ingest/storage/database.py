"""One small async interface over the two storage backends: SQLite and PostgreSQL.

The backend is chosen by a URL (``CALLMON_DATABASE_URL``): ``sqlite:///path``
or ``postgresql://user:pass@host:port/db``. SQL is written once with SQLite's
placeholders (``?`` or ``:name``); `PostgresDatabase` rewrites them for psycopg.

Both implementations offer `fetch_all`, `fetch_one`, `execute` (rowcount) and
`transaction()`, whose object offers the same three. `run_transaction()` is
the retrying form every store writes with: SQLite waits out other writers
(``database is locked``), PostgreSQL retries serialization failures and
deadlocks, both for a bounded time.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

import aiosqlite

from ingest.retry import backoff_delays
from ingest.storage.busy import retry_while_busy
from ingest.storage.connection import connect_sqlite, in_thread_transaction, in_transaction
from ingest.storage.migrations import Dialect, Migration, apply_migrations
from ingest.storage.placeholders import to_psycopg
from ingest.storage.postgres_migrations import apply_postgres_migrations

if TYPE_CHECKING:
    from psycopg import AsyncConnection
    from psycopg_pool import AsyncConnectionPool

log = logging.getLogger(__name__)
T = TypeVar("T")

DATABASE_URL_SETTING = "CALLMON_DATABASE_URL"
Params = Sequence[Any] | Mapping[str, Any]


class Row(Protocol):
    """A result row: ``row["column"]`` or ``row[0]``; iterating yields the values
    (as `sqlite3.Row` does, so ``Record(*row)`` works on both backends)."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def keys(self) -> list[str]: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...


class Queries(Protocol):
    """What a database and an open transaction both offer."""

    dialect: Dialect

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...
    async def execute(self, sql: str, params: Params = ()) -> int: ...


class Database(Queries, Protocol):
    """`SqliteDatabase` or `PostgresDatabase`, as stores and QA see them."""

    def transaction(self) -> AbstractAsyncContextManager[Queries]: ...
    async def run_transaction(self, body: Callable[[Queries], Awaitable[T]], *, what: str) -> T: ...
    async def migrate(self, component: str, steps: Sequence[Migration]) -> None: ...
    async def close(self) -> None: ...


# ----------------------------------------------------------------- targets


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """Where the data lives: a SQLite file (`path`) or a PostgreSQL server (`dsn`)."""

    dialect: Dialect
    path: Path | None = None
    dsn: str | None = None

    def describe(self) -> str:
        """For logs and messages: never shows a password."""
        if self.path is not None:
            return str(self.path)
        parts = urlsplit(self.dsn or "")
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
        return f"postgresql://{host}{port}{parts.path}"


def parse_database_url(url: str) -> DatabaseTarget:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or
    ``postgresql://user:pass@host:port/db`` (``postgres://`` too)."""
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme == "sqlite" and rest.startswith("/") and len(rest) > 1:
        return DatabaseTarget("sqlite", path=Path(unquote(rest[1:])))
    if scheme in ("postgresql", "postgres") and rest:
        return DatabaseTarget("postgresql", dsn=f"postgresql://{rest}")
    raise ValueError(
        f"{DATABASE_URL_SETTING}={url!r} is not a database URL callmon knows: use "
        "sqlite:///path/to/callmon.db or postgresql://user:password@host:port/database"
    )


def as_target(where: str | Path | DatabaseTarget) -> DatabaseTarget:
    """A target from a URL, a SQLite path, or a target."""
    if isinstance(where, DatabaseTarget):
        return where
    if isinstance(where, str) and "://" in where:
        return parse_database_url(where)
    return DatabaseTarget("sqlite", path=Path(where))


async def open_database_target(
    where: str | Path | DatabaseTarget, *, busy_timeout_s: float = 5.0, lock_wait_s: float = 30.0
) -> SqliteDatabase | PostgresDatabase:
    """Connect (no migrations yet: call `migrate` per component)."""
    target = as_target(where)
    if target.dialect == "sqlite":
        assert target.path is not None
        return await SqliteDatabase.open(target.path, busy_timeout_s=busy_timeout_s, lock_wait_s=lock_wait_s)
    assert target.dsn is not None
    return await PostgresDatabase.open(target.dsn, lock_wait_s=lock_wait_s)


# ------------------------------------------------------------------ SQLite


class _SqliteQueries:
    dialect: Dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        async with self._conn.execute(sql, params) as cursor:
            row: Row | None = await cursor.fetchone()
            return row

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._conn.execute(sql, params) as cursor:
            return cursor.rowcount


class SqliteDatabase:
    """One aiosqlite connection and one asyncio lock: SQLite has a single writer,
    so our own coroutines never fight each other for it, only other processes do."""

    dialect: Dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: Path, *, lock_wait_s: float = 30.0) -> None:
        self._conn = conn
        self.path: Path | None = path
        self.lock_wait_s = lock_wait_s
        self._lock = asyncio.Lock()
        self._queries = _SqliteQueries(conn)

    @classmethod
    async def open(
        cls, path: Path, *, busy_timeout_s: float = 5.0, lock_wait_s: float = 30.0
    ) -> SqliteDatabase:
        conn = await connect_sqlite(path, busy_timeout_s=busy_timeout_s, lock_wait_s=lock_wait_s)
        return cls(conn, Path(path), lock_wait_s=lock_wait_s)

    @property
    def connection(self) -> aiosqlite.Connection:
        """The raw connection, for SQLite-only code (FTS5, the segment hot path)."""
        return self._conn

    @property
    def lock(self) -> asyncio.Lock:
        return self._lock

    async def migrate(self, component: str, steps: Sequence[Migration]) -> None:
        async with self._lock:
            await retry_while_busy(
                lambda: apply_migrations(self._conn, component, steps),
                what=f"migrate {component} in {self.path}",
                limit_s=self.lock_wait_s,
            )

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._lock:
            return await self._queries.fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        async with self._lock:
            return await self._queries.fetch_one(sql, params)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One statement in its own ``BEGIN IMMEDIATE`` transaction."""
        return await self.run_transaction(lambda q: q.execute(sql, params), what=sql.split(" ", 1)[0].lower())

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Queries]:
        """``BEGIN IMMEDIATE`` (waiting out other writers) ... ``COMMIT``, under the lock.
        The body is not retried: once the write lock is ours nothing else takes it."""
        async with self._lock:
            await retry_while_busy(
                lambda: self._conn.execute("BEGIN IMMEDIATE"), what="begin", limit_s=self.lock_wait_s
            )
            try:
                yield self._queries
                await self._conn.commit()
            except BaseException:
                await self._conn.rollback()
                raise

    async def run_transaction(self, body: Callable[[Queries], Awaitable[T]], *, what: str) -> T:
        async with self._lock:
            return await retry_while_busy(
                lambda: in_transaction(self._conn, lambda _conn: body(self._queries)),
                what=what,
                limit_s=self.lock_wait_s,
            )

    async def run_in_thread(self, body: Callable[[sqlite3.Connection], T], *, what: str) -> T:
        """A synchronous `body` in one transaction on the connection's thread (the hot path)."""
        async with self._lock:
            return await retry_while_busy(
                lambda: in_thread_transaction(self._conn, body), what=what, limit_s=self.lock_wait_s
            )

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()


# -------------------------------------------------------------- PostgreSQL


class PgRow:
    """A row shaped like `sqlite3.Row`: by name or position; iterates values."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: Mapping[str, int]) -> None:
        self._values = tuple(values)
        self._index = index

    def __getitem__(self, key: int | str, /) -> Any:
        if isinstance(key, str):
            return self._values[self._index[key]]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"PgRow({dict(zip(self._index, self._values, strict=True))!r})"


def _pg_row_factory(cursor: Any) -> Callable[[Sequence[Any]], PgRow]:
    description = cursor.description or []
    index = {column.name: position for position, column in enumerate(description)}
    return lambda values: PgRow(values, index)


class _PgQueries:
    dialect: Dialect = "postgresql"

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        cursor = await self._conn.execute(to_psycopg(sql), params)
        return list(await cursor.fetchall()) if cursor.description else []

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        cursor = await self._conn.execute(to_psycopg(sql), params)
        if not cursor.description:
            return None
        row: Row | None = await cursor.fetchone()
        return row

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = await self._conn.execute(to_psycopg(sql), params)
        return int(cursor.rowcount)


class DatabaseUnavailable(RuntimeError):
    """The database server could not be reached (a configuration problem at startup)."""


def _is_retryable(error: BaseException) -> bool:
    from psycopg import errors  # noqa: PLC0415 (psycopg is imported lazily: see PostgresDatabase.open)

    return isinstance(error, errors.SerializationFailure | errors.DeadlockDetected)


_CONNECTION_LOST_STATES = ("57P01", "57P02", "57P03")
"""Server shut down by an administrator, crashed, or not accepting connections yet."""


def is_connection_lost(error: BaseException) -> bool:
    """The server went away under a statement (a restart, a failover, a network cut),
    as opposed to the statement itself failing: worth trying again on a new connection.
    psycopg reports these as `OperationalError` with no SQLSTATE (the client saw the
    socket close), class 08 (connection exception) or the shutdown states above; a
    pool that could not hand out a connection in time (`PoolTimeout`) is one too."""
    import psycopg  # noqa: PLC0415 (psycopg is imported lazily: see PostgresDatabase.open)

    if not isinstance(error, psycopg.OperationalError):
        return False
    state = error.sqlstate
    return state is None or state.startswith("08") or state in _CONNECTION_LOST_STATES


class PostgresDatabase:
    """A `psycopg_pool.AsyncConnectionPool`: each query borrows a connection
    (autocommit), each transaction holds one until it commits."""

    dialect: Dialect = "postgresql"
    path: Path | None = None

    def __init__(
        self, pool: AsyncConnectionPool[AsyncConnection[Any]], dsn: str, *, lock_wait_s: float = 30.0
    ) -> None:
        self._pool = pool
        self.dsn = dsn
        self.lock_wait_s = lock_wait_s

    @classmethod
    async def open(
        cls, dsn: str, *, min_size: int = 1, max_size: int = 10, lock_wait_s: float = 30.0
    ) -> PostgresDatabase:
        # Lazy: psycopg costs every process a noticeable import, and the default
        # SQLite deployment (make demo, CI's quick path) never needs it.
        import psycopg  # noqa: PLC0415 (lazy: see above)
        from psycopg_pool import AsyncConnectionPool  # noqa: PLC0415 (lazy: see above)

        pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            open=False,
            kwargs={"autocommit": True, "row_factory": _pg_row_factory},
            timeout=lock_wait_s,
            # A connection the server dropped (restart, failover, idle timeout) is
            # replaced when borrowed instead of failing the caller's query.
            check=AsyncConnectionPool.check_connection,
        )
        try:
            await pool.open(wait=True, timeout=lock_wait_s)
        except psycopg.OperationalError as error:  # PoolTimeout is one too
            await pool.close()
            target = DatabaseTarget("postgresql", dsn=dsn).describe()
            raise DatabaseUnavailable(f"cannot connect to {target}: {error}") from None
        return cls(pool, dsn, lock_wait_s=lock_wait_s)

    async def migrate(self, component: str, steps: Sequence[Migration]) -> None:
        async with self._pool.connection() as conn:
            await apply_postgres_migrations(conn, component, steps)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return await self.run_connected(lambda db, _retry: db.fetch_all(sql, params), what=_what(sql))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        return await self.run_connected(lambda db, _retry: db.fetch_one(sql, params), what=_what(sql))

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self.run_connected(lambda db, _retry: db.execute(sql, params), what=_what(sql))

    async def run_connected(self, body: Callable[[Queries, bool], Awaitable[T]], *, what: str) -> T:
        """`body(queries, retry)` on a pooled connection; run again on a fresh one while
        the server cannot be reached (`is_connection_lost`), for up to `lock_wait_s`.
        `retry` is True from the second run on: a write whose commit may have
        landed before the connection broke checks for itself there (see
        `add_segment_postgresql`), so an outage neither loses nor doubles it."""
        deadline = time.monotonic() + self.lock_wait_s
        delays = backoff_delays(0.1, 2.0)
        retry = False
        while True:
            try:
                async with self._pool.connection() as conn:
                    return await body(_PgQueries(conn), retry)
            except Exception as error:
                delay = next(delays)
                if not is_connection_lost(error) or time.monotonic() + delay > deadline:
                    raise
                if not retry:
                    log.warning("%s: PostgreSQL connection lost (%s); trying again", what, error)
                retry = True
                await asyncio.sleep(delay)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Queries]:
        """One pooled connection for several statements, each committed on its own
        (borrowing costs a round trip: the connection is checked first)."""
        async with self._pool.connection() as conn:
            yield _PgQueries(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Queries]:
        """One pooled connection's transaction (not retried: use `run_transaction`)."""
        async with self._pool.connection() as conn, conn.transaction():
            yield _PgQueries(conn)

    async def run_transaction(self, body: Callable[[Queries], Awaitable[T]], *, what: str) -> T:
        """`body` in one transaction, run again from the start after a
        serialization failure or deadlock (PostgreSQL rolled it back)."""
        deadline = time.monotonic() + self.lock_wait_s
        delays = backoff_delays(0.02, 1.0)
        while True:
            try:
                async with self.transaction() as queries:
                    return await body(queries)
            except Exception as error:
                delay = next(delays)
                lost = is_connection_lost(error)
                if not (lost or _is_retryable(error)) or time.monotonic() + delay > deadline:
                    raise
                # A lost connection rolled the transaction back. (Had it committed and only
                # the acknowledgement been lost, the body runs twice: most writes are
                # upserts; segments, the hot path, go through `run_connected` instead.)
                log.log(logging.WARNING if lost else logging.INFO, "%s: %s; retrying", what, error)
                await asyncio.sleep(delay)

    async def close(self) -> None:
        await self._pool.close()


def _what(sql: str) -> str:
    return " ".join(sql.split()[:3]).lower()
