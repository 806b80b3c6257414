"""Per-word confidences, keyword spots and the not-transcribed reason are stored with the segment."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import aiosqlite

from ingest.events import TranscriptSegment
from ingest.storage import CallStore
from ingest.storage.migrations import apply_migrations
from ingest.storage.schema import COMPONENT, CORE_MIGRATIONS

Make = Callable[..., TranscriptSegment]


async def test_segments_stored_before_the_migration_read_with_defaults(tmp_path: Path) -> None:
    db_path = tmp_path / "old.db"
    async with aiosqlite.connect(db_path) as conn:
        await apply_migrations(conn, COMPONENT, CORE_MIGRATIONS[:3])
        await conn.execute("INSERT INTO calls (id, source, started_at) VALUES ('old', 'twilio', 1.0)")
        await conn.execute(
            'INSERT INTO segments (call_id, speaker, "start", "end", text, sentiment_score,'
            " sentiment_label, confidence, engine, created_at)"
            " VALUES ('old', 'caller', 0, 1, 'hello', 0.1, 'positive', 0.9, 'sphinx', 2.0)"
        )
        await conn.commit()
    store = await CallStore.open(db_path)
    try:
        [segment] = await store.list_segments("old")
    finally:
        await store.close()
    assert segment.words == () and segment.spotted == () and segment.not_transcribed is None
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT max(version) FROM schema_migrations WHERE component = 'core'").fetchone()[
            0
        ] == len(CORE_MIGRATIONS)
