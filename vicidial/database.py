"""Read-only, time-bounded access to ViciDial's MySQL/MariaDB database.

Queries go to the read replica when one is configured and fall back to the
primary. Every connect and every query has a deadline: a query still running
at its deadline is abandoned (its connection dropped) and killed on the
server, so a locked MyISAM table cannot pile up waiting threads. A server that
fails is reported with one warning until it answers again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import aiomysql
import pymysql

from vicidial.settings import ViciDialSettings

log = logging.getLogger(__name__)

# Errors that mean the connection itself is gone (server restarted, network
# cut); one retry on a fresh connection is worth it, the pool may hold more.
_CONNECTION_LOST = frozenset({2006, 2013, 2055})


class ViciDialError(Exception):
    """ViciDial's database could not answer: unreachable, too slow, or refused."""


class _ConnectionLost(ViciDialError):
    pass


class ViciDialDatabase:
    def __init__(self, settings: ViciDialSettings) -> None:
        self._settings = settings
        primary = _Server(settings, settings.host, settings.port, role="primary")
        if settings.replica_host:
            replica_port = settings.replica_port or settings.port
            replica = _Server(settings, settings.replica_host, replica_port, role="replica")
            self._servers: tuple[_Server, ...] = (replica, primary)
        else:
            self._servers = (primary,)

    async def fetch_all(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of one SELECT as dicts; raises ViciDialError when no server answers."""
        last_error: ViciDialError | None = None
        for index, server in enumerate(self._servers):
            has_fallback = index < len(self._servers) - 1
            try:
                rows = await server.fetch_all(sql, args)
            except ViciDialError as error:
                server.report_failure(error, has_fallback=has_fallback)
                last_error = error
                continue
            server.report_success()
            return rows
        assert last_error is not None
        raise last_error

    async def close(self) -> None:
        for server in self._servers:
            await server.close()


class _Server:
    """One database server: a lazily created pool and its outage state."""

    def __init__(self, settings: ViciDialSettings, host: str, port: int, *, role: str) -> None:
        self._settings = settings
        self._host = host
        self._port = port
        self._role = role
        self._pool: aiomysql.Pool | None = None
        self._pool_lock = asyncio.Lock()
        self._failing = False

    @property
    def name(self) -> str:
        return f"ViciDial {self._role} {self._host}:{self._port}"

    async def fetch_all(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        try:
            return await self._fetch_once(sql, args)
        except _ConnectionLost:
            return await self._fetch_once(sql, args)

    def report_failure(self, error: ViciDialError, *, has_fallback: bool) -> None:
        if self._failing:
            log.debug("%s still failing: %s", self.name, error)
            return
        self._failing = True
        consequence = (
            "using the next server"
            if has_fallback
            else "calls go on without ViciDial metadata; look-ups will be retried"
        )
        log.warning("%s is not answering (%s); %s", self.name, error, consequence)

    def report_success(self) -> None:
        if self._failing:
            self._failing = False
            log.info("%s answers again", self.name)

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            await self._pool.wait_closed()
            self._pool = None

    def _connect_args(self) -> dict[str, Any]:
        settings = self._settings
        return {
            "host": self._host,
            "port": self._port,
            "user": settings.user,
            "password": settings.password,
            "db": settings.database,
            "connect_timeout": settings.connect_timeout,
            "charset": "utf8mb4",
            # Autocommit: an open transaction would pin an old snapshot on an
            # InnoDB replica and hide rows ViciDial writes later.
            "autocommit": True,
        }

    async def _get_pool(self) -> aiomysql.Pool:
        async with self._pool_lock:
            if self._pool is None:
                # minsize=0: creating the pool never connects, so a server that is
                # down at start-up costs nothing until the first look-up.
                self._pool = await aiomysql.create_pool(
                    minsize=0, maxsize=self._settings.pool_size, pool_recycle=3600, **self._connect_args()
                )
            return self._pool

    async def _fetch_once(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        pool = await self._get_pool()
        connection = await self._acquire(pool)
        try:
            return await self._run(connection, sql, args)
        finally:
            pool.release(connection)

    async def _acquire(self, pool: aiomysql.Pool) -> aiomysql.Connection:
        timeout = self._settings.connect_timeout
        try:
            async with asyncio.timeout(timeout):
                return await pool.acquire()
        except TimeoutError:
            raise ViciDialError(f"no connection within {timeout:g} s") from None
        except (pymysql.err.MySQLError, OSError) as error:
            raise ViciDialError(f"cannot connect: {error}") from error

    async def _run(
        self, connection: aiomysql.Connection, sql: str, args: Sequence[Any]
    ) -> list[dict[str, Any]]:
        timeout = self._settings.query_timeout
        try:
            async with asyncio.timeout(timeout):
                async with connection.cursor(aiomysql.DictCursor) as cursor:
                    await cursor.execute(sql, tuple(args))
                    return list(await cursor.fetchall())
        except TimeoutError:
            # The connection is mid-reply and unusable; the server thread may
            # still be waiting (e.g. on a table lock), so kill it there too.
            thread_id = connection.thread_id()
            connection.close()
            await self._kill_query(thread_id)
            raise ViciDialError(f"query did not finish within {timeout:g} s") from None
        except asyncio.CancelledError:
            connection.close()  # a half-read reply must not go back to the pool
            raise
        except (
            pymysql.err.OperationalError,
            pymysql.err.InterfaceError,
            OSError,
            asyncio.IncompleteReadError,
        ) as error:
            connection.close()
            code = error.args[0] if error.args and isinstance(error.args[0], int) else None
            if code in _CONNECTION_LOST or isinstance(error, pymysql.err.InterfaceError):
                raise _ConnectionLost(f"connection lost: {error}") from error
            raise ViciDialError(f"query failed: {error}") from error
        except pymysql.err.MySQLError as error:
            # SQL-level refusal (missing table, no SELECT grant): the connection is fine.
            raise ViciDialError(f"query refused: {error}") from error

    async def _kill_query(self, thread_id: int) -> None:
        """Stop an abandoned query on the server (any user may kill its own threads)."""
        deadline = self._settings.connect_timeout + self._settings.query_timeout
        try:
            async with asyncio.timeout(deadline):
                connection = await aiomysql.connect(**self._connect_args())
                try:
                    async with connection.cursor() as cursor:
                        await cursor.execute("KILL QUERY %s", (thread_id,))
                finally:
                    connection.close()
        except (TimeoutError, pymysql.err.MySQLError, OSError) as error:
            log.debug("%s: could not kill abandoned query %s: %s", self.name, thread_id, error)
