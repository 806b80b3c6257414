"""Heartbeats survive what Redis throws at them: a live worker must never look dead."""

from __future__ import annotations

import time

import redis
from redis.exceptions import ResponseError

from ingest.bus.redis_bus import RedisBus, alive_key
from ingest.bus.worker_registry import WORKERS, WorkerRegistry, worker_alive_key
from tests.support.factories import make_call_summary
from tests.support.waiting import wait_until


async def test_a_refused_command_does_not_stop_the_call_heartbeat(redis_url: str) -> None:
    """Seen under load: redis-py's connection health check raised ResponseError
    (`unknown subcommand 'SETINFO'`) inside a beat, the heartbeat task ended, and
    the worker's live calls left the wallboards."""
    bus = RedisBus(redis_url, heartbeat_s=0.05)
    real_beat = bus._beat
    refused = 0
    beats = 0

    async def beat_refused_once() -> None:
        nonlocal refused, beats
        if not refused:
            refused += 1
            raise ResponseError("unknown subcommand 'SETINFO'. Try CLIENT HELP.")
        await real_beat()
        beats += 1

    bus._beat = beat_refused_once  # type: ignore[method-assign]
    try:
        await bus.publish(make_call_summary("c-live", status="active"))
        await wait_until(lambda: beats >= 2, message="beats after the refused one")
        client = redis.Redis.from_url(redis_url)
        assert client.exists(alive_key("c-live"))
        client.close()
    finally:
        await bus.close()


async def test_the_worker_heartbeats_while_its_event_loop_is_blocked(redis_url: str) -> None:
    """Under overload the event loop runs seconds late; the beat comes from a thread."""
    registry = WorkerRegistry(redis_url, "w-thread", heartbeat_s=0.5)
    client = redis.Redis.from_url(redis_url)
    key = worker_alive_key("w-thread")
    try:
        registry.start_heartbeat()
        for _ in range(3):  # it keeps beating, with no help from this loop
            await wait_until(lambda: client.exists(key), message="a beat")
            client.delete(key)
        await wait_until(lambda: client.exists(key), message="a beat")
        time.sleep(3 * registry.alive_ttl_ms / 1000)  # the loop blocked for three TTLs
        assert client.exists(key), "the worker looked dead while only its event loop was late"
        assert client.sismember(WORKERS, "w-thread")
        await registry.leave()
        assert not client.exists(key)
        assert not client.sismember(WORKERS, "w-thread")
    finally:
        await registry.close()
        client.close()
