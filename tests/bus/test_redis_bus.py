"""RedisBus against a real redis-server: wire format, limits, and outages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest
import redis.asyncio as aioredis

from ingest.bus import BusUnavailable, MemoryBus, RedisBus, open_bus
from ingest.events import CallEnded, CallStarted, DtmfReceived, Event, TranscriptSegment
from tests.support.waiting import wait_until


def bus_warnings(caplog: pytest.LogCaptureFixture, text: str, level: int = logging.WARNING) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("ingest.bus") and r.levelno == level and text in r.getMessage()
    ]


async def history_when_reachable(bus: RedisBus, call_id: str, expected: int) -> list[Any]:
    """The call's history once Redis answers and holds `expected` entries."""

    async def full_history() -> list[Any]:
        try:
            history = await bus.history(call_id)
        except BusUnavailable:
            return []
        return history if len(history) >= expected else []

    return await wait_until(full_history, message=f"{expected} history entries of {call_id}")


async def receive_eventually(bus: RedisBus, messages: AsyncIterator[Event], digit: str) -> Any:
    """Publish until the subscriber (resubscribing after an outage) gets one through."""
    while True:
        await bus.publish(DtmfReceived("c-after", "caller", digit, 0.0))
        try:
            return await asyncio.wait_for(messages.__anext__(), timeout=0.5)
        except TimeoutError:
            continue


def test_open_bus_picks_the_implementation() -> None:
    assert isinstance(open_bus(None), MemoryBus)
    assert isinstance(open_bus(""), MemoryBus)
    assert isinstance(open_bus("redis://127.0.0.1:6399/0"), RedisBus)
    with pytest.raises(ValueError):
        open_bus("http://127.0.0.1:6379")


async def test_seed_consumers_read_plain_json(
    redis_server, segment: Callable[..., TranscriptSegment]
) -> None:
    raw = aioredis.Redis.from_url(redis_server.url)
    bus = RedisBus(redis_server.url)
    pubsub = raw.pubsub()
    try:
        await pubsub.subscribe("calls:transcript:all")
        assert (await pubsub.get_message(timeout=5))["type"] == "subscribe"
        seg = segment("c1")
        await bus.publish(CallStarted("c1", "twilio", started_at=1.0))
        await bus.publish(seg)
        message = None
        while message is None:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
        assert orjson.loads(message["data"]) == seg.to_dict()
        assert await raw.hkeys("calls:active") == [b"c1"]
        entries = await raw.xrange("calls:history:c1")
        assert [orjson.loads(fields[b"event"])["type"] for _, fields in entries] == [
            "CallStarted",
            "TranscriptSegment",
        ]
    finally:
        await pubsub.aclose()
        await bus.close()
        await raw.aclose()


async def test_history_streams_are_capped_and_expire_after_the_call(redis_server) -> None:
    raw = aioredis.Redis.from_url(redis_server.url)
    bus = RedisBus(redis_server.url, history_limit=10, history_ttl_s=3600)
    try:
        await bus.publish(CallStarted("c1", "audiosocket"))
        for n in range(1000):
            await bus.publish(DtmfReceived("c1", "caller", str(n % 10), float(n)))
        assert await raw.xlen("calls:history:c1") < 1000  # trimmed (approximately) to the cap
        assert await raw.ttl("calls:history:c1") == -1  # live calls keep their history
        await bus.publish(CallEnded("c1", "hangup"))
        assert 0 < await raw.ttl("calls:history:c1") <= 3600
        assert isinstance((await bus.history("c1", limit=1))[0], CallEnded)
    finally:
        await bus.close()
        await raw.aclose()


async def test_two_processes_share_one_redis(redis_server) -> None:
    worker = RedisBus(redis_server.url)
    dashboard = RedisBus(redis_server.url)
    try:
        async with dashboard.subscribe("calls:events") as messages:
            await worker.publish(CallStarted("c1", "twilio"))
            assert (await messages.__anext__()).call_id == "c1"  # type: ignore[attr-defined]
        assert set(await dashboard.active_calls()) == {"c1"}
    finally:
        await worker.close()
        await dashboard.close()


async def test_redis_outage_loses_no_history(
    redis_server, segment: Callable[..., TranscriptSegment], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ingest.bus")
    bus = RedisBus(redis_server.url, timeout_s=0.5, max_backoff_s=0.2)
    try:
        async with bus.subscribe("calls:events") as messages:
            await bus.publish(CallStarted("c-before", "twilio"))
            assert (await messages.__anext__()).call_id == "c-before"  # type: ignore[attr-defined]

            redis_server.kill()
            await bus.publish(CallStarted("c-down", "audiosocket", started_at=5.0))
            for n in range(50):
                await bus.publish(segment("c-down", text=f"said {n}", id=n))
            await bus.publish(CallEnded("c-before", "hangup"))
            with pytest.raises(BusUnavailable):
                await bus.active_calls()
            with pytest.raises(BusUnavailable):
                await bus.history("c-down")
            assert bus.health()["status"] == "down" and bus.health()["outbox"] > 50

            redis_server.start()  # same port, empty: nothing survived but our outbox
            history = await history_when_reachable(bus, "c-down", expected=51)
            assert [type(h) for h in history] == [CallStarted] + [TranscriptSegment] * 50
            assert [h.text for h in history[1:]] == [f"said {n}" for n in range(50)]
            assert set(await bus.active_calls()) == {"c-down"}
            assert bus.health() == {
                "kind": "redis",
                "status": "ok",
                "where": f"127.0.0.1:{redis_server.port}",
                "outbox": 0,
                "subscribers": 1,
                "recoveries": 1,
            }

            # Live messages flow again; those sent while Redis was down are gone.
            first = await receive_eventually(bus, messages, "7")
            assert (type(first), first.call_id, first.digit) == (DtmfReceived, "c-after", "7")
    finally:
        await bus.close()
    assert len(bus_warnings(caplog, "unreachable")) == 1
    assert len(bus_warnings(caplog, "reachable again", logging.INFO)) == 1


async def test_redis_absent_at_start_then_arriving(
    unstarted_redis_server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="ingest.bus")
    bus = RedisBus(unstarted_redis_server.url, timeout_s=0.5, max_backoff_s=0.2)
    try:
        async with bus.subscribe("calls:events") as messages:  # returns although nobody answers
            for n in range(20):
                await bus.publish(CallStarted(f"c{n}", "simulated"))
            unstarted_redis_server.start()
            await history_when_reachable(bus, "c19", expected=1)
            assert len(await bus.active_calls()) == 20
            assert (await receive_eventually(bus, messages, "3")).digit == "3"
    finally:
        await bus.close()
    assert len(bus_warnings(caplog, "unreachable")) == 1
    assert bus_warnings(caplog, "before redis answered")


async def test_a_full_outbox_drops_the_oldest_updates(redis_server, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ingest.bus")
    bus = RedisBus(redis_server.url, timeout_s=0.5, max_backoff_s=0.2, outbox_limit=5)
    try:
        redis_server.kill()
        for digit in "0123456789":
            await bus.publish(DtmfReceived("c1", "caller", digit, 0.0))
        redis_server.start()
        history = await history_when_reachable(bus, "c1", expected=5)
        assert [h.digit for h in history] == ["5", "6", "7", "8", "9"]
    finally:
        await bus.close()
    assert bus_warnings(caplog, "outbox full")
    assert bus_warnings(caplog, "5 oldest were dropped", logging.INFO)


async def test_a_subscription_broken_in_an_unexpected_way_is_made_again(
    redis_server, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # uvloop reports a write to a transport the peer closed as RuntimeError,
    # which is no redis error: the pump must not die of it and leave the
    # subscriber silent for good.
    real_get_message = aioredis.client.PubSub.get_message
    broken = []

    async def breaks_once(self: Any, *args: Any, **kwargs: Any) -> Any:
        message = await real_get_message(self, *args, **kwargs)
        if not broken and message is not None and message["type"] == "message":
            broken.append(message)
            raise RuntimeError("the handler is closed")
        return message

    monkeypatch.setattr(aioredis.client.PubSub, "get_message", breaks_once)
    bus = RedisBus(redis_server.url, timeout_s=0.5, max_backoff_s=0.2)
    try:
        async with bus.subscribe("calls:events") as messages:
            await bus.publish(CallStarted("c-lost", "twilio"))
            async with asyncio.timeout(30):  # the old pump died here: nothing came again
                first = await receive_eventually(bus, messages, "5")
            assert (type(first), first.digit) == (DtmfReceived, "5")
            assert len(broken) == 1
    finally:
        await bus.close()
    assert bus_warnings(caplog, "resubscribing", logging.ERROR)
