"""Tracked migrations: applied once, in order, each in its own transaction."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from ingest.storage import CallStore, apply_migrations
from ingest.storage.migrations import applied_versions, split_statements
from ingest.storage.schema import CORE_MIGRATIONS

ALERT_STEPS = [
    "CREATE TABLE alerts (id TEXT PRIMARY KEY, level TEXT NOT NULL);",
    "ALTER TABLE alerts ADD COLUMN call_id TEXT; CREATE INDEX alerts_by_call ON alerts (call_id);",
]


async def test_core_migrations_are_applied_once_and_tracked(db_path: Path) -> None:
    first = await CallStore.open(db_path)
    await first.close()
    second = await CallStore.open(db_path)
    await second.close()

    with sqlite3.connect(db_path) as db:
        rows = db.execute(
            "SELECT component, version FROM schema_migrations ORDER BY component, version"
        ).fetchall()
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        journal_mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    assert rows == [("core", v) for v in range(1, len(CORE_MIGRATIONS) + 1)]
    assert {"calls", "segments", "call_events", "segments_fts"} <= tables
    assert journal_mode == "wal"


async def test_open_creates_missing_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c" / "calls.db"
    store = await CallStore.open(str(path))
    await store.close()
    assert path.exists()
    assert store.path == path


async def test_other_components_get_their_own_versions(tmp_path: Path) -> None:
    async with aiosqlite.connect(tmp_path / "x.db") as db:
        await apply_migrations(db, "alerts", ALERT_STEPS[:1])
        assert await applied_versions(db, "alerts") == [1]
        await apply_migrations(db, "vicidial", ["CREATE TABLE vici_cache (k TEXT);"])
        # A later release appends a step: only the new one runs.
        await apply_migrations(db, "alerts", ALERT_STEPS)
        await apply_migrations(db, "alerts", ALERT_STEPS)
        assert await applied_versions(db, "alerts") == [1, 2]
        assert await applied_versions(db, "vicidial") == [1]
        async with db.execute("PRAGMA table_info(alerts)") as cursor:
            columns = [row[1] for row in await cursor.fetchall()]
        assert columns == ["id", "level", "call_id"]


async def test_a_failing_step_leaves_no_trace(tmp_path: Path) -> None:
    broken = [
        "CREATE TABLE ok_table (x INTEGER); CREATE TABLE half_done (y); INSERT INTO nowhere VALUES (1);"
    ]
    async with aiosqlite.connect(tmp_path / "x.db") as db:
        with pytest.raises(sqlite3.OperationalError, match="nowhere"):
            await apply_migrations(db, "broken", broken)
        assert await applied_versions(db, "broken") == []
        async with db.execute(
            "SELECT name FROM sqlite_master WHERE name IN ('ok_table', 'half_done')"
        ) as cursor:
            assert await cursor.fetchall() == []
        assert not db.in_transaction


async def test_concurrent_opens_apply_each_step_exactly_once(db_path: Path) -> None:
    stores = await asyncio.gather(*(CallStore.open(db_path) for _ in range(4)))
    for store in stores:
        await store.close()
    with sqlite3.connect(db_path) as db:
        counts = db.execute("SELECT version, COUNT(*) FROM schema_migrations GROUP BY version").fetchall()
    assert counts == [(v, 1) for v in range(1, len(CORE_MIGRATIONS) + 1)]


def test_trigger_bodies_are_not_split() -> None:
    script = """
    CREATE TABLE t (a);
    CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN
        INSERT INTO t (a) VALUES ('x;y'); SELECT 1;
    END;
    -- trailing comment
    """
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


def test_an_unterminated_statement_is_rejected() -> None:
    with pytest.raises(ValueError, match="incomplete"):
        split_statements("CREATE TABLE t (a); CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1;")
