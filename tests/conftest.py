"""Fixtures every test folder can use; the helpers behind them live in tests/support/.

Servers bind ports the kernel hands out and keep their files under pytest's
temporary directories, so they are per process: under pytest-xdist each
worker starts its own session servers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvloop

from tests.support.postgres import PostgresServer, running_postgres
from tests.support.servers import RedisServer


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Async tests run on uvloop, the event loop callmon's processes run on
    (app/event_loop.py): a difference between loops shows up here, not in production."""
    return {"uvloop": uvloop.new_event_loop}


@pytest.fixture(scope="session")
def shared_redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the whole session, for tests that neither stop nor crash it."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.kill()


@pytest.fixture
def redis_url(shared_redis_server: RedisServer) -> str:
    """The shared redis-server's URL, emptied before the test."""
    shared_redis_server.flush()
    return shared_redis_server.url


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own, which it may kill and restart."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def unstarted_redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """Like `redis_server`, but not started: for 'Redis is down from the start'."""
    server = RedisServer(tmp_path)
    yield server
    server.kill()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the whole session (per xdist worker)."""
    with running_postgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the session's PostgreSQL: its URL."""
    dsn = postgres_server.create_database()
    yield dsn
    postgres_server.drop_database(dsn)
