"""Fixtures for storage tests: a real SQLite file per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from ingest.events import TranscriptSegment
from ingest.storage import CallStore


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

    def build(call_id: str = "call-1", **fields: object) -> TranscriptSegment:
        values: dict[str, object] = {
            "call_id": call_id,
            "speaker": "caller",
            "start": 0.0,
            "end": 1.5,
            "text": "hello there",
            "confidence": 0.9,
            "language": "en",
            "engine": "sphinx",
            "sentiment_score": 0.0,
            "sentiment_label": "neutral",
        }
        values.update(fields)
        return TranscriptSegment(**values)  # type: ignore[arg-type]

    return build
