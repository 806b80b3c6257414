"""`LiveFeed` on a real in-process bus: what the wallboard holds, from typed events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from dashboard.feed import LiveFeed
from dashboard.pages.agents import live_agent_rows
from ingest.bus import MemoryBus
from ingest.bus.channels import EVENTS
from ingest.bus.subscription import Subscription
from ingest.call_identity import agent_display_name, agent_from_metadata, call_agent
from ingest.events import (
    AlertAcknowledged,
    AlertRaised,
    CallEnded,
    CallStarted,
    CallSummary,
    Event,
    SentimentPoint,
    TranscriptSegment,
)
from ingest.pipeline.session import call_fields_from_metadata


async def until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.01)


def alert(alert_id: str, call_id: str, level: str = "urgent") -> AlertRaised:
    return AlertRaised(alert_id, call_id, level, ("r",), ("why",), "text", "caller", -0.6, None)  # type: ignore[arg-type]


def segment(call_id: str, text: str, score: float) -> TranscriptSegment:
    return TranscriptSegment(call_id, "caller", 0.0, 1.0, text, 0.9, "en", "test", score, "negative",
                             rolling_sentiment=score, consecutive_negative=2)  # fmt: skip


@pytest.fixture
async def bus() -> AsyncIterator[MemoryBus]:
    bus = MemoryBus()
    yield bus
    await bus.close()


async def test_the_feed_files_typed_events_and_hands_them_on(bus: MemoryBus) -> None:
    feed = LiveFeed(bus)
    await feed.start()
    seen: list[Event] = []
    feed.listen(seen.append)
    try:
        await bus.publish(CallStarted("calm", "twilio", started_at=1.0, metadata={"agent_id": "6001"}))
        await bus.publish(CallStarted("angry", "audiosocket", started_at=2.0))
        await bus.publish(segment("angry", "this is useless", -0.8))
        await bus.publish(alert("a1", "angry", "critical"))
        await until(lambda: len(seen) == 5)  # the segment comes twice: transcript and sentiment
        angry = feed.calls["angry"]
        assert (angry.last_text, angry.rolling, angry.top_level) == ("this is useless", -0.8, "critical")
        assert [c.call_id for c in feed.ranked_calls()] == ["angry", "calm"]
        assert [c.call_id for c in feed.ranked_calls("started")] == ["calm", "angry"]
        assert live_agent_rows(feed)[0]["agent"] == "6001"  # from the start metadata

        await bus.publish(AlertAcknowledged("a1", "angry", "sam", acknowledged_at=5.0))
        await bus.publish(CallSummary("calm", "twilio", "active", 1.0, agent="6002", agent_name="Ann"))
        await bus.publish(CallEnded("angry", "hangup"))
        await until(lambda: len(seen) == 8)
        assert feed.alerts["a1"].acknowledged_by == "sam"
        assert set(feed.calls) == {"calm"}
        assert agent_display_name(feed.calls["calm"].summary) == "Ann"
        assert all(isinstance(event, Event) for event in seen)
        assert sum(isinstance(event, SentimentPoint) for event in seen) == 1
    finally:
        await feed.close()


async def test_a_bad_message_reaches_no_page_and_the_feed_goes_on(bus: MemoryBus) -> None:
    feed = LiveFeed(bus)
    await feed.start()
    subscriptions = {s for subs in bus._subscribers.values() for s in subs}
    try:
        for subscription in subscriptions:
            assert isinstance(subscription, Subscription)
            subscription.deliver(EVENTS, b'{"type": "CallStarted", "call_id": 42}')
            subscription.deliver(EVENTS, b'{"type": "Gossip"}')
        await bus.publish(CallStarted("c1", "twilio"))
        await until(lambda: "c1" in feed.calls)
        assert feed.messages_seen == 1
    finally:
        await feed.close()


async def test_the_feed_starts_from_the_active_calls_history_and_open_alerts(bus: MemoryBus) -> None:
    await bus.publish(CallStarted("c1", "twilio", started_at=1.0))
    await bus.publish(segment("c1", "hello", -0.2))
    await bus.publish(alert("a1", "c1"))

    async def open_alerts() -> list[AlertRaised]:
        return [alert("a2", "c1", "warning")]

    feed = LiveFeed(bus, open_alerts)
    await feed.start()
    try:
        call = feed.calls["c1"]
        assert (call.summary.status, call.last_text) == ("active", "hello")
        assert {k: a.level for k, a in call.open_alerts.items()} == {"a1": "urgent", "a2": "warning"}
    finally:
        await feed.close()


def test_the_agent_is_decided_the_same_way_for_storage_alerts_and_pages() -> None:
    assert agent_from_metadata({"user": "7001"}) == "7001"
    assert agent_from_metadata({"agent": "", "agent_id": "6001", "user": "7001"}) == "6001"
    assert agent_from_metadata({"from": "+1555"}) is None
    assert call_fields_from_metadata({"agent_id": "6001", "from": "+1555"}) == {
        "agent": "6001",
        "caller_number": "+1555",
    }
    summary = CallSummary("c", "twilio", "active", 0.0, metadata={"agent": "6001"})
    assert (call_agent(summary), agent_display_name(summary)) == ("6001", "6001")
    stored = CallSummary(
        "c", "twilio", "active", 0.0, agent="6002", agent_name="Ann", metadata={"agent": "6001"}
    )
    assert (call_agent(stored), agent_display_name(stored)) == ("6002", "Ann")


async def test_an_event_the_feed_cannot_file_is_skipped_and_live_updates_go_on(
    bus: MemoryBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = LiveFeed(bus)
    file_event = feed._file

    def file_or_fail(event: Event) -> None:
        if isinstance(event, TranscriptSegment) and event.text == "boom":
            raise ValueError("a bug in filing one event")
        file_event(event)

    monkeypatch.setattr(feed, "_file", file_or_fail)
    await feed.start()
    try:
        await bus.publish(CallStarted("c1", "twilio", started_at=1.0))
        await bus.publish(segment("c1", "boom", -0.5))
        await bus.publish(segment("c1", "still here", -0.2))
        await until(lambda: "c1" in feed.calls and feed.calls["c1"].last_text == "still here")
        assert feed.messages_seen >= 3
    finally:
        await feed.close()
