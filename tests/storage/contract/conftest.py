"""The contract suite: every test here runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ingest.storage import CallStore


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty database of each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'callmon.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[CallStore]:
    """A CallStore on each backend in turn (overrides the SQLite-only one above)."""
    opened = await CallStore.open(database_url)
    yield opened
    await opened.close()
