"""Fixtures for storage tests: a real SQLite file per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from ingest.events import TranscriptSegment
from ingest.storage import CallStore
from tests.support import factories


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "callmon.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[CallStore]:
    opened = await CallStore.open(db_path)
    yield opened
    await opened.close()


@pytest.fixture
def make_segment() -> Callable[..., TranscriptSegment]:
    """Build a segment with sensible defaults; override any field by keyword."""
    return factories.make_segment
