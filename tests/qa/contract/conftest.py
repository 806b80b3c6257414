"""The QA contract suite: every test here runs once on SQLite and once on a real
PostgreSQL (tests/support/postgres.py), on the same generated store written
through the real stores.

Searches only read, so their stores are written once per module and backend
(`qa_store`, `bulk_store`); tests that change data get a fresh one (`fresh_store`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest

from tests.qa.conftest import CALLS, FakeCall, bulk_calls, write_store
from tests.support.postgres import PostgresServer

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def new_database(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Callable[[], str]]:
    """Makes empty databases of the module's backend: SQLite paths or PostgreSQL URLs."""
    made: list[str] = []
    server: PostgresServer | None = (
        request.getfixturevalue("postgres_server") if backend == "postgresql" else None
    )

    def make() -> str:
        url = server.create_database() if server else str(tmp_path_factory.mktemp("qa") / "qa.db")
        made.append(url)
        return url

    yield make
    if server:
        for url in made:
            server.drop_database(url)


def _written(url: str, calls: tuple[FakeCall, ...]) -> str:
    # A fixture of its own event loop: the stores are closed before the tests' loop starts.
    asyncio.run(write_store(url, calls))
    return url


@pytest.fixture(scope="module")
def qa_store(new_database: Callable[[], str]) -> str:
    """The eight-call store of tests/qa/conftest.py (read only)."""
    return _written(new_database(), CALLS)


@pytest.fixture(scope="module")
def bulk_store(new_database: Callable[[], str]) -> str:
    """Thirty calls that all mention an invoice (read only)."""
    return _written(new_database(), bulk_calls())


@pytest.fixture
def fresh_store(new_database: Callable[[], str]) -> str:
    """The eight-call store, for one test that changes it."""
    return _written(new_database(), CALLS)


@pytest.fixture
def empty_store(new_database: Callable[[], str]) -> str:
    return new_database()
