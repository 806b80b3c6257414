"""The QA contract suite: every test here runs once on SQLite and once on a real
PostgreSQL (tests/support/postgres.py), on the same generated store written
through the real stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.qa.conftest import bulk_calls, write_store


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each backend in turn: a SQLite path or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "qa.db")
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def backend(backend_url: str) -> str:
    return "postgresql" if backend_url.startswith("postgresql://") else "sqlite"


@pytest.fixture
async def qa_store(backend_url: str) -> str:
    """The eight-call store of tests/qa/conftest.py."""
    await write_store(backend_url)
    return backend_url


@pytest.fixture
async def bulk_store(backend_url: str) -> str:
    """Thirty calls that all mention an invoice."""
    await write_store(backend_url, bulk_calls())
    return backend_url
