"""Core migrations on both backends: applied once, even by openers racing."""

from __future__ import annotations

import asyncio

from ingest.storage import CallStore
from ingest.storage.database import open_database_target
from ingest.storage.schema import CORE_MIGRATIONS


async def test_two_stores_opening_at_once_apply_every_step_once(database_url: str) -> None:
    first, second = await asyncio.gather(CallStore.open(database_url), CallStore.open(database_url))
    await first.close()
    await second.close()
    again = await CallStore.open(database_url)  # a restart applies nothing new
    await again.close()
    database = await open_database_target(database_url)
    try:
        rows = await database.fetch_all(
            "SELECT version, COUNT(*) AS times FROM schema_migrations WHERE component = ?"
            " GROUP BY version ORDER BY version",
            ("core",),
        )
    finally:
        await database.close()
    assert [(row["version"], row["times"]) for row in rows] == [
        (version, 1) for version in range(1, len(CORE_MIGRATIONS) + 1)
    ]


async def test_worker_id_and_late_columns_exist(database_url: str) -> None:
    store = await CallStore.open(database_url)
    try:
        await store.database.execute(
            "INSERT INTO calls (id, source, started_at, worker_id) VALUES (?, ?, ?, ?)",
            ("c1", "twilio", 1.0, "w1"),
        )
        row = await store.database.fetch_one("SELECT worker_id FROM calls WHERE id = ?", ("c1",))
        assert row is not None and row["worker_id"] == "w1"
    finally:
        await store.close()
