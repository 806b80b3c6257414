"""Survivors end a dead worker's calls once; recovery at start takes back only its own.

Real Redis, real SQLite; the workers here are `WorkerFleet`s in this process
(the tests with real worker processes killed with -9 are in test_worker_death.py).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis

from ingest.bus import open_bus
from ingest.bus.channels import ACTIVE_CALLS, EVENTS
from ingest.bus.redis_bus import RedisBus
from ingest.bus.worker_registry import WORKERS, WorkerRegistry, worker_alive_key
from ingest.events import CallEnded, CallStarted
from ingest.pipeline import PipelineServices
from ingest.pipeline.fleet import WorkerFleet
from ingest.pipeline.recovery import INTERRUPTED
from ingest.settings import IngestSettings
from ingest.storage import CallStore
from tests.support.factories import make_segment

HEARTBEAT_S = 0.2


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[CallStore]:
    opened = await CallStore.open(tmp_path / "callmon.db")
    yield opened
    await opened.close()


async def _services(store: CallStore, redis_url: str, worker_id: str) -> PipelineServices:
    settings = IngestSettings(db_path=store.path, redis_url=redis_url, worker_id=worker_id)
    bus = open_bus(redis_url, heartbeat_s=HEARTBEAT_S)
    return PipelineServices(settings=settings, store=store, bus=bus, engine_name="none", worker_id=worker_id)


async def _live_call(services: PipelineServices, call_id: str, owner: str | None, speech_end: float) -> None:
    """A call as a worker leaves it when it dies: active, owned, one segment, on the wallboard."""
    started = CallStarted(call_id, "audiosocket", 1000.0, {})
    summary = await services.store.start_call(started, owner)
    await services.store.add_segment(make_segment(call_id, start=speech_end - 2.0, end=speech_end))
    await services.bus.publish(summary)


def _call(db: Path, call_id: str) -> tuple[str, str | None, float | None, str | None]:
    with sqlite3.connect(db) as connection:
        row = connection.execute(
            "SELECT status, end_reason, duration, worker_id FROM calls WHERE id = ?", (call_id,)
        ).fetchone()
    assert row is not None
    return row


async def test_two_survivors_end_a_dead_workers_calls_once_and_wallboards_drop_them(
    store: CallStore, redis_url: str
) -> None:
    dead = await _services(store, redis_url, "dead")
    await _live_call(dead, "c-dead-1", "dead", speech_end=12.5)
    await _live_call(dead, "c-dead-2", "dead", speech_end=4.0)
    await _live_call(dead, "c-other", "alive", speech_end=3.0)
    client = redis.Redis.from_url(redis_url)
    client.sadd(WORKERS, "dead", "alive")
    client.set(worker_alive_key("alive"), b"1", px=60_000)
    await dead.bus.close()  # its heartbeat stops: the calls' alive keys expire

    survivors = [await _services(store, redis_url, name) for name in ("s1", "s2")]
    fleets = [
        WorkerFleet(WorkerRegistry(redis_url, s.worker_id or "", heartbeat_s=HEARTBEAT_S), s)
        for s in survivors
    ]
    bus = survivors[0].bus
    async with bus.subscribe(EVENTS) as events:
        results = await asyncio.gather(*(fleet.reap_dead_workers() for fleet in fleets))
        assert sorted(results) == [[], ["dead"]]  # exactly one survivor ended them

        ended: set[str] = set()

        async def both_ends() -> None:
            async for event in events:
                if isinstance(event, CallEnded):
                    ended.add(event.call_id)
                if ended >= {"c-dead-1", "c-dead-2"}:
                    return

        await asyncio.wait_for(both_ends(), 60)  # a hang guard: the ends are already published

    assert _call(store.path, "c-dead-1") == ("ended", INTERRUPTED, 12.5, "dead")
    assert _call(store.path, "c-dead-2") == ("ended", INTERRUPTED, 4.0, "dead")
    assert _call(store.path, "c-other")[0] == "active"
    active = {key.decode() for key in client.hkeys(ACTIVE_CALLS)}
    assert "c-dead-1" not in active and "c-dead-2" not in active
    assert client.smembers(WORKERS) == {b"alive"}
    for fleet, services in zip(fleets, survivors, strict=True):
        await fleet.registry.close()
        assert isinstance(services.bus, RedisBus)
        await services.bus.close()
    client.close()


async def test_a_worker_that_beats_is_never_reaped(store: CallStore, redis_url: str) -> None:
    owner = await _services(store, redis_url, "busy")
    await _live_call(owner, "c-busy", "busy", speech_end=2.0)
    owner_fleet = WorkerFleet(WorkerRegistry(redis_url, "busy", heartbeat_s=HEARTBEAT_S), owner)
    await owner_fleet.join()
    await owner_fleet.recovered()
    survivor = await _services(store, redis_url, "watcher")
    watcher = WorkerFleet(WorkerRegistry(redis_url, "watcher", heartbeat_s=HEARTBEAT_S), survivor)
    for _ in range(3):
        assert await watcher.reap_dead_workers() == []
    assert _call(store.path, "c-busy")[0] == "active"
    await owner_fleet.leave()
    await watcher.registry.close()
    await owner.bus.close()
    await survivor.bus.close()


async def test_recovery_at_start_takes_own_calls_and_unowned_ones_only_when_alone(
    store: CallStore, redis_url: str
) -> None:
    services = await _services(store, redis_url, "me")
    await _live_call(services, "c-mine", "me", speech_end=2.0)
    await _live_call(services, "c-theirs", "them", speech_end=2.0)
    await _live_call(services, "c-legacy", None, speech_end=2.0)
    client = redis.Redis.from_url(redis_url)
    client.sadd(WORKERS, "them")
    client.set(worker_alive_key("them"), b"1", px=60_000)

    fleet = WorkerFleet(WorkerRegistry(redis_url, "me", heartbeat_s=HEARTBEAT_S), services)
    assert [call.call_id for call in await fleet.join()] == ["c-mine"]
    await fleet.recovered()
    await fleet.leave()

    client.delete(worker_alive_key("them"))  # now it is alone
    fleet = WorkerFleet(WorkerRegistry(redis_url, "me", heartbeat_s=HEARTBEAT_S), services)
    assert sorted(call.call_id for call in await fleet.join()) == ["c-legacy", "c-mine"]
    await fleet.recovered()
    await fleet.leave()
    await services.bus.close()
    client.close()
