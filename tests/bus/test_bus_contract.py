"""The bus contract, run against both MemoryBus and RedisBus (real redis-server)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest

from ingest.bus import Bus, MemoryBus, RedisBus
from ingest.bus import subscription as subscription_module
from ingest.bus.subscription import Subscription
from ingest.events import (
    AlertRaised,
    AudioReceived,
    CallEnded,
    CallStarted,
    CallSummary,
    DtmfReceived,
    Event,
    InterimTranscript,
    SentimentPoint,
    TranscriptSegment,
)
from ingest.log_limits import RateLimitedLog
from tests.support.waiting import wait_until


async def next_message(events: AsyncIterator[Event]) -> Any:
    """The next event (typed Any: each test knows which class it expects)."""
    return await events.__anext__()


async def next_delivery(subscription: Subscription) -> tuple[str, Event]:
    return await subscription.deliveries().__anext__()


async def test_call_events_reach_subscribers(make_bus) -> None:
    bus: Bus = await make_bus()
    async with bus.subscribe("calls:events") as messages:
        await bus.publish(CallStarted("c1", "twilio", started_at=12.5, metadata={"callSid": "CA1"}))
        message = await next_message(messages)
    assert message == CallStarted("c1", "twilio", started_at=12.5, metadata={"callSid": "CA1"})


async def test_segment_fans_out_per_call_and_to_all(
    make_bus, segment: Callable[..., TranscriptSegment]
) -> None:
    bus: Bus = await make_bus()
    async with (
        bus.subscribe("calls:transcript:c2") as other_call,
        bus.subscribe(
            "calls:transcript:c1",
            "calls:transcript:all",
            "calls:sentiment:c1",
            "calls:sentiment:all",
        ) as messages,
    ):
        await bus.publish(segment("c1", text="first"))
        received = [await next_delivery(messages) for _ in range(4)]
        await bus.publish(segment("c2", text="second"))
        assert (await next_message(other_call)).text == "second"  # c1 never reached it
    by_channel: dict[str, Any] = dict(received)
    assert set(by_channel) == {
        "calls:transcript:c1",
        "calls:transcript:all",
        "calls:sentiment:c1",
        "calls:sentiment:all",
    }
    assert by_channel["calls:transcript:all"].text == "first"
    assert isinstance(by_channel["calls:transcript:c1"], TranscriptSegment)
    assert isinstance(by_channel["calls:sentiment:c1"], SentimentPoint)
    assert by_channel["calls:sentiment:all"].score == -0.4


async def test_interims_and_alerts(make_bus) -> None:
    bus: Bus = await make_bus()
    alert = AlertRaised(
        id="a1",
        call_id="c1",
        level="critical",
        rules=("very_negative",),
        reasons=("score -0.9",),
        text="this is disgusting",
        speaker="caller",
        score=-0.9,
        rolling_score=-0.5,
    )
    async with bus.subscribe("calls:interim:all", "calls:alerts") as messages:
        await bus.publish(InterimTranscript("c1", "agent", 0.5, "can i"))
        await bus.publish(alert)
        await bus.publish(AudioReceived("c1", "agent", b"\0\0" * 160, 8000, 0.0))  # never published
        await bus.publish(InterimTranscript("c1", "agent", 0.5, "can i help"))
        received = [await next_delivery(messages) for _ in range(3)]
    assert [(channel, type(event)) for channel, event in received] == [
        ("calls:interim:all", InterimTranscript),
        ("calls:alerts", AlertRaised),
        ("calls:interim:all", InterimTranscript),
    ]
    assert received[1][1] == alert


async def test_history_is_ordered_and_limited(make_bus, segment: Callable[..., TranscriptSegment]) -> None:
    bus: Bus = await make_bus()
    await bus.publish(CallStarted("c1", "audiosocket", started_at=1.0))
    for n in range(5):
        await bus.publish(segment("c1", text=f"segment {n}", id=n))
        await bus.publish(InterimTranscript("c1", "caller", float(n), "partial"))
    await bus.publish(CallEnded("c1", "hangup", ended_at=9.0))
    await bus.publish(CallStarted("c2", "twilio"))

    history: list[Any] = await bus.history("c1")
    assert [type(h) for h in history] == [CallStarted] + [TranscriptSegment] * 5 + [CallEnded]
    assert [h.text for h in history[1:6]] == [f"segment {n}" for n in range(5)]
    assert history[-1] == CallEnded("c1", "hangup", ended_at=9.0)
    assert [h.text for h in (await bus.history("c1", limit=3))[:2]] == ["segment 3", "segment 4"]  # type: ignore[attr-defined]
    assert await bus.history("c1", limit=0) == []
    assert await bus.history("never") == []
    assert [h.call_id for h in await bus.history("c2")] == ["c2"]  # type: ignore[attr-defined]


async def test_active_calls_follow_starts_summaries_and_ends(make_bus) -> None:
    bus: Bus = await make_bus()
    assert await bus.active_calls() == {}
    await bus.publish(CallStarted("c1", "twilio", started_at=1.0))
    await bus.publish(CallStarted("c2", "audiosocket", started_at=2.0))
    active = await bus.active_calls()
    assert set(active) == {"c1", "c2"}
    assert active["c1"] == CallSummary("c1", "twilio", "active", 1.0)

    await bus.publish(CallSummary("c1", "twilio", "active", 1.0, agent="6001", segment_count=3))
    await bus.publish(CallStarted("c1", "twilio", started_at=1.0))  # second leg: keeps the summary
    assert (await bus.active_calls())["c1"].agent == "6001"

    await bus.publish(CallEnded("c1", "stop"))
    await bus.publish(CallSummary("c2", "audiosocket", "ended", 2.0, duration=5.0))
    assert await bus.active_calls() == {}


async def test_leaving_a_subscription_stops_delivery(make_bus) -> None:
    bus: Bus = await make_bus()
    async with bus.subscribe("calls:events") as first:
        pass
    async with bus.subscribe("calls:events") as second:
        await bus.publish(DtmfReceived("c1", "caller", "1", 0.0))
        assert (await next_message(second)).digit == "1"
    # The first subscription ended when its block did; it yields nothing more.
    assert [m async for m in first] == []


async def test_close_ends_subscribers(make_bus) -> None:
    bus: Bus = await make_bus()
    async with bus.subscribe("calls:events") as messages:
        reader = asyncio.ensure_future(next_message(messages))
        await asyncio.sleep(0)  # one turn of the loop so the reader is waiting; not a timing sleep
        await bus.close()
        with pytest.raises(StopAsyncIteration):
            await reader


async def test_a_slow_subscriber_loses_its_oldest_messages(
    make_bus, caplog: pytest.LogCaptureFixture
) -> None:
    bus: Bus = await make_bus(max_queued=3)
    caplog.set_level(logging.WARNING, logger="ingest.bus")
    async with bus.subscribe("calls:events") as messages, bus.subscribe("calls:events") as fast:
        for digit in "0123456789":
            await bus.publish(DtmfReceived("c1", "caller", digit, 0.0))
            # The fast reader keeps up: it loses nothing.
            assert (await next_message(fast)).digit == digit
        await wait_until(lambda: messages.dropped >= 7, message="the slow reader to lose 7")
        assert [(await next_message(messages)).digit for _ in range(3)] == ["7", "8", "9"]
        assert fast.dropped == 0
    assert any("too slow" in r.getMessage() for r in caplog.records)


async def test_subscribers_get_independent_copies(make_bus) -> None:
    bus: Bus = await make_bus()
    async with bus.subscribe("calls:events") as one, bus.subscribe("calls:events") as two:
        await bus.publish(CallStarted("c1", "twilio", metadata={"k": "v"}))
        first = await next_message(one)
        first.metadata["k"] = "changed"
        assert (await next_message(two)).metadata == {"k": "v"}
    assert (await bus.active_calls())["c1"].metadata == {"k": "v"}


async def test_health_reports_the_kind_and_subscribers(make_bus) -> None:
    bus: Bus = await make_bus()
    assert bus.health()["status"] == "ok"
    assert bus.health()["kind"] in ("memory", "redis")
    async with bus.subscribe("calls:events"), bus.subscribe("calls:alerts"):
        assert bus.health()["subscribers"] == 2
    assert bus.health()["subscribers"] == 0


async def test_malformed_and_unknown_messages_are_skipped_and_logged_once(
    make_bus, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken producer neither crashes a subscriber nor floods the log."""
    limiter = RateLimitedLog(logging.getLogger("ingest.bus.subscription"))
    monkeypatch.setattr(subscription_module, "undecodable", limiter)  # a fresh per-process budget
    bus: Bus = await make_bus()
    caplog.set_level(logging.WARNING, logger="ingest.bus")
    async with bus.subscribe("calls:events") as events:
        assert isinstance(events, Subscription)
        for garbage in (b"{not json", b"[1]", b'{"type": "Nonsense"}', b'{"type": "CallEnded"}') * 50:
            events.deliver("calls:events", garbage)
        await bus.publish(CallEnded("c1", "hangup", ended_at=1.0))
        assert await next_message(events) == CallEnded("c1", "hangup", ended_at=1.0)
        assert events.skipped == 200
    skipped = [r.getMessage() for r in caplog.records if "skipping a bus message" in r.getMessage()]
    assert len(skipped) == 4  # one line per kind of problem
    assert all("calls:events" in line for line in skipped)
    assert limiter.total == {
        "invalid JSON": 50,
        "not an object": 50,
        "unknown event type": 50,
        "malformed CallEnded": 50,
    }


async def test_a_history_entry_that_cannot_be_decoded_hides_only_itself(make_bus) -> None:
    bus: Bus = await make_bus()
    await bus.publish(CallStarted("c1", "twilio", started_at=1.0))
    await _store_raw_history(bus, "c1", orjson.dumps({"type": "CallEnded", "call_id": "c1"}))
    await bus.publish(CallEnded("c1", "hangup", ended_at=2.0))
    assert [type(event) for event in await bus.history("c1")] == [CallStarted, CallEnded]


async def _store_raw_history(bus: Bus, call_id: str, data: bytes) -> None:
    """Write what a foreign (or older, buggy) producer might have left in the history."""
    if isinstance(bus, MemoryBus):
        bus._remember(call_id, data)
    elif isinstance(bus, RedisBus):
        await bus._client.xadd(f"calls:history:{call_id}", {"event": data})
    else:
        raise AssertionError(f"unknown bus {bus!r}")
