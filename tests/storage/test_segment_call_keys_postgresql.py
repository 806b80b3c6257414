"""PostgreSQL keeps a copy of each call's keys (language, agent, campaign,
in-group, day, has alerts) on its segments (``segments.call_keys``, indexed
with the words for QA search).
The copies must equal the call's values whatever order and concurrency the
writes come in, on a database upgraded with rows in it, and as an ordinary
(non-superuser) owner of the database."""

from __future__ import annotations

import asyncio
import os

import psycopg

from ingest.events import CallStarted
from ingest.storage import CallStore
from ingest.storage.postgres_migrations import apply_postgres_migrations
from ingest.storage.schema import COMPONENT, CORE_MIGRATIONS
from tests.support.factories import make_segment
from tests.support.postgres import PostgresServer

STALE_KEYS = (
    "SELECT s.id, s.call_keys, callmon_call_keys(c.language, c.agent, c.campaign, c.in_group, c.started_at, c.alert_count) AS expected"
    " FROM segments s JOIN calls c ON c.id = s.call_id"
    " WHERE s.call_keys IS DISTINCT FROM callmon_call_keys(c.language, c.agent, c.campaign, c.in_group, c.started_at, c.alert_count)"
)


async def test_copies_follow_the_call_through_concurrent_writes(postgres_url: str) -> None:
    store = await CallStore.open(postgres_url)
    try:
        for n in range(3):
            await store.start_call(CallStarted(f"c{n}", "simulated", 1000.0))

        # Each call gets segments and reassignments at once, one after another on
        # each side, so that every write of one lands between writes of the other.
        async def segments(call_id: str) -> None:
            for i in range(40):  # the first gives the call its language (none was set)
                await store.add_segment(make_segment(call_id, start=i, end=i + 1, language="es"))

        async def reassign(call_id: str) -> None:
            for i in range(40):
                await store.update_call(call_id, agent=f"Agent{i % 4}", campaign=f"C{i % 3}", in_group="VIP")

        await asyncio.gather(*(work(f"c{n}") for n in range(3) for work in (segments, reassign)))
        assert await store.database.fetch_all(STALE_KEYS) == []
        row = await store.database.fetch_one("SELECT call_keys FROM segments WHERE call_id = 'c0' LIMIT 1")
        assert row is not None
        assert sorted(row["call_keys"]) == [
            "agent:agent3",
            "campaign:c0",
            "day:0",
            "in_group:vip",
            "language:es",
        ]
        await store.update_call("c0", language="en", campaign=None)
        await store.count_alert("c1")  # the first alert adds 'alerts', the second changes nothing
        await store.count_alert("c1")
        await store.start_call(CallStarted("c2", "simulated", 1000.0 - 86400 * 3))  # began earlier
        assert await store.database.fetch_all(STALE_KEYS) == []
        keys = await store.database.fetch_all("SELECT DISTINCT call_id, call_keys FROM segments")
        by_call = {row["call_id"]: set(row["call_keys"]) for row in keys}
        assert len(keys) == 3 and "alerts" in by_call["c1"] and "alerts" not in by_call["c0"]
        assert "day:-3" in by_call["c2"] and "language:en" in by_call["c0"]
    finally:
        await store.close()


async def test_an_upgraded_database_gets_copies_for_its_existing_segments(postgres_url: str) -> None:
    before = len(CORE_MIGRATIONS) - 1  # the step that added the copies is the last one
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as conn:
        await apply_postgres_migrations(conn, COMPONENT, CORE_MIGRATIONS[:before])
        await conn.execute(
            "INSERT INTO calls (id, source, started_at, agent, language) VALUES ('old', 'twilio', 1, 'Ann', 'fr')"
        )
        await conn.execute(
            'INSERT INTO segments (call_id, speaker, start, "end", text, sentiment_score, sentiment_label,'
            " confidence, engine, created_at) VALUES ('old', 'caller', 0, 1, 'bonjour', 0, 'neutral', 1, 'x', 1)"
        )
    store = await CallStore.open(postgres_url)
    try:
        row = await store.database.fetch_one("SELECT call_keys FROM segments WHERE call_id = 'old'")
        assert row is not None and sorted(row["call_keys"]) == ["agent:ann", "day:0", "language:fr"]
        assert await store.database.fetch_all(STALE_KEYS) == []
    finally:
        await store.close()


async def test_the_migration_needs_no_superuser(postgres_server: PostgresServer) -> None:
    role = f"callmon_app_{os.getpid()}"
    database = f"{role}_db"
    with psycopg.connect(postgres_server.admin_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE')
        admin.execute(f'CREATE DATABASE "{database}" OWNER "{role}" TEMPLATE template1')
    try:
        url = f"postgresql://{role}@127.0.0.1:{postgres_server.port}/{database}"
        store = await CallStore.open(url)
        try:
            await store.start_call(CallStarted("c1", "simulated", 1.0))
            await store.update_call("c1", agent="Bo")
            await store.add_segment(make_segment("c1", language="en"))
            row = await store.database.fetch_one("SELECT call_keys, current_user AS who FROM segments")
            assert row is not None and row["who"] == role
            assert sorted(row["call_keys"]) == ["agent:bo", "day:0", "language:en"]
            # unaccent is a trusted extension: the owner created it, and search folds accents.
            await store.add_segment(make_segment("c1", start=9.0, text="un café por favor"))
            assert [s.text for s in await store.search_segments("cafe")] == ["un café por favor"]
        finally:
            await store.close()
    finally:
        with psycopg.connect(postgres_server.admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')
