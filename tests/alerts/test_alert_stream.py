"""The alert stream on real Redis: what the worker's bus appends, and how one
dispatcher (in this process) settles entries: take-overs, idempotence,
poison entries, failing channels, Redis restarts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import redis.asyncio as redis
from alert_support import make_segment
from click.testing import CliRunner
from stream_support import dead_letter_count, make_alert, notified_calls, pending_count, unread_count

from alerts.channel_consumer import ChannelConsumer
from alerts.config import AlertSettings, settings_from_mapping
from alerts.consumer import run_alert_dispatcher
from alerts.notifiers import build_notifiers
from alerts.store import AlertStore
from alerts.stream import AlertGroup, dead_letter_stream, group_name
from app.cli.alerts import alerts
from app.worker import ComponentSettings, IngestWorker
from ingest.bus import RedisBus
from ingest.bus.channels import ALERT_STREAM
from ingest.event_codec import decode_event
from ingest.events import AlertAcknowledged, Recognition
from ingest.settings import IngestSettings
from ingest.tasks import spawn
from tests.support.waiting import wait_until

StartDispatcher = Callable[..., Awaitable[asyncio.Task[None]]]


def stream_settings(slack_url: str, **notify: Any) -> AlertSettings:
    return settings_from_mapping(
        {
            "notify": {
                "in_process": False,
                "claim_idle_s": 0.3,
                "retries": 0,
                "backoff_s": 0.01,
                "slack": {"webhook_url": slack_url + "/hook"},
                **notify,
            }
        }
    )


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[redis.Redis]:
    connection = redis.from_url(redis_url)
    yield connection
    await connection.aclose()


@pytest.fixture
async def store(tmp_path) -> AsyncIterator[AlertStore]:
    opened = await AlertStore.open(tmp_path / "callmon.db")
    yield opened
    await opened.close()


@pytest.fixture
async def start_dispatcher(redis_url: str, tmp_path) -> AsyncIterator[StartDispatcher]:
    """Runs `run_alert_dispatcher` in this process; each stopped at the end of the test."""
    tasks: list[asyncio.Task[None]] = []

    async def start(settings: AlertSettings, url: str = redis_url) -> asyncio.Task[None]:
        ready = asyncio.Event()
        task = spawn(
            run_alert_dispatcher(url, tmp_path / "callmon.db", settings, ready=ready),
            name="test dispatcher",
        )
        tasks.append(task)
        await asyncio.wait_for(ready.wait(), 30)  # a hang guard, not a timing check
        return task

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_the_bus_appends_raised_alerts_to_a_capped_stream(redis_url, client):
    bus = RedisBus(redis_url, alert_stream_limit=100)
    try:
        await bus.publish(make_alert(1))
        await bus.publish(AlertAcknowledged("al-1", "call-1", "sam"))
        ((_, fields),) = await client.xrange(ALERT_STREAM)
        assert decode_event(fields[b"event"]) == make_alert(1)
        for n in range(2, 400):
            await bus.publish(make_alert(n))
        # MAXLEN ~ trims whole nodes of entries: about the cap, never unbounded.
        assert 100 <= await client.xlen(ALERT_STREAM) < 300
    finally:
        await bus.close()


async def test_an_alert_raised_while_redis_is_down_reaches_the_stream_later(redis_server):
    bus = RedisBus(redis_server.url, timeout_s=0.5)
    try:
        redis_server.kill()
        await bus.publish(make_alert(1))  # the outbox keeps it
        redis_server.start()
        connection = redis.from_url(redis_server.url)
        try:
            entries = await wait_until(lambda: connection.xrange(ALERT_STREAM), message="the replayed alert")
            assert decode_event(entries[0][1][b"event"]) == make_alert(1)
        finally:
            await connection.aclose()
    finally:
        await bus.close()


async def test_delivers_once_records_and_acknowledges(
    start_dispatcher, http_server, client, store, redis_url
):
    await start_dispatcher(stream_settings(http_server.url))
    bus = RedisBus(redis_url)
    try:
        await bus.publish(make_alert(1, level="warning"))  # below Slack's minimum: acknowledged, not sent
        await bus.publish(make_alert(2))
        await http_server.next_request()
        deliveries = await wait_until(lambda: store.list_deliveries("al-2"), message="the delivery record")
        assert [(d.channel, d.status, d.attempts) for d in deliveries] == [("slack", "delivered", 1)]
        await wait_until(
            lambda: _is_zero(pending_count(client, "slack")), message="both entries acknowledged"
        )
        assert notified_calls(http_server) == ["call-2"]
        assert await store.list_deliveries("al-1") == []
    finally:
        await bus.close()


async def test_takes_over_a_silent_consumers_entry(start_dispatcher, http_server, client, store):
    ghost = AlertGroup(client, "slack", "ghost")
    await ghost.ensure(replay_s=60)
    await client.xadd(ALERT_STREAM, {"event": json.dumps(make_alert(1).to_dict())})
    assert [entry.id for entry in await ghost.read_new(10, block_ms=1)]  # the ghost holds it, then dies

    await start_dispatcher(stream_settings(http_server.url))
    await http_server.next_request()
    await wait_until(lambda: _is_zero(pending_count(client, "slack")), message="the entry acknowledged")
    assert notified_calls(http_server) == ["call-1"]
    assert [d.status for d in await store.list_deliveries("al-1")] == ["delivered"]


async def test_a_take_over_does_not_resend_what_the_store_says_was_sent(
    start_dispatcher, http_server, client, store
):
    ghost = AlertGroup(client, "slack", "ghost")
    await ghost.ensure(replay_s=60)
    await client.xadd(ALERT_STREAM, {"event": json.dumps(make_alert(1).to_dict())})
    await ghost.read_new(10, block_ms=1)
    # The ghost sent it and stored the outcome, then died before acknowledging.
    await store.record_delivery("al-1", "slack", "delivered", 1, None, 1.0)

    await start_dispatcher(stream_settings(http_server.url))
    await wait_until(lambda: _is_zero(pending_count(client, "slack")), message="the entry acknowledged")
    assert http_server.received == []
    assert await dead_letter_count(client, "slack") == 0


async def test_an_entry_handed_out_too_often_is_failed_and_dead_lettered(
    start_dispatcher, http_server, client, store
):
    ghost = AlertGroup(client, "slack", "ghost")
    await ghost.ensure(replay_s=60)
    await client.xadd(ALERT_STREAM, {"event": json.dumps(make_alert(1).to_dict())})
    (entry,) = await ghost.read_new(10, block_ms=1)
    for _ in range(2):  # as if it had killed two more dispatchers: handed out 3 times
        await client.xclaim(ALERT_STREAM, group_name("slack"), "ghost", 0, [entry.id])

    await start_dispatcher(stream_settings(http_server.url, max_deliveries=3))
    await wait_until(lambda: dead_letter_count(client, "slack"), message="the dead letter")
    assert await pending_count(client, "slack") == 0
    assert http_server.received == []
    (delivery,) = await store.list_deliveries("al-1")
    assert delivery.status == "failed" and "4 times" in (delivery.last_error or "")
    ((_, dead),) = await client.xrange(dead_letter_stream("slack"))
    assert dead[b"entry"].decode() == entry.id and decode_event(dead[b"event"]) == make_alert(1)


async def test_a_channel_that_keeps_failing_is_recorded_failed_not_retried_forever(
    start_dispatcher, http_server, client, store
):
    http_server.statuses = [500]
    await start_dispatcher(stream_settings(http_server.url, retries=1))
    await client.xadd(ALERT_STREAM, {"event": json.dumps(make_alert(1).to_dict())})
    await wait_until(lambda: dead_letter_count(client, "slack"), message="the dead letter")
    assert await pending_count(client, "slack") == 0
    (delivery,) = await store.list_deliveries("al-1")
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert "HTTP 500" in (delivery.last_error or "")
    assert len(http_server.received) == 2  # the first attempt and one retry, then no more


async def test_poison_entries_are_dead_lettered_and_the_rest_delivered(
    start_dispatcher, http_server, client, store, caplog
):
    await start_dispatcher(stream_settings(http_server.url))
    await client.xadd(ALERT_STREAM, {"event": b"\xff not json"})
    await client.xadd(ALERT_STREAM, {"something": "else"})
    await client.xadd(
        ALERT_STREAM, {"event": json.dumps({**make_alert(9).to_dict(), "level": "apocalyptic"})}
    )
    await client.xadd(ALERT_STREAM, {"event": json.dumps(AlertAcknowledged("al-1", "c", "sam").to_dict())})
    await client.xadd(ALERT_STREAM, {"event": json.dumps(make_alert(1).to_dict())})
    await http_server.next_request()
    await wait_until(lambda: _equals(dead_letter_count(client, "slack"), 4), message="four dead letters")
    await wait_until(lambda: _is_zero(pending_count(client, "slack")), message="every entry acknowledged")
    assert notified_calls(http_server) == ["call-1"]
    assert "is malformed" in caplog.text and "no alert in it" in caplog.text


async def test_a_new_channel_does_not_replay_old_history(start_dispatcher, http_server, client):
    await client.xadd(ALERT_STREAM, {"event": json.dumps(make_alert(1).to_dict())}, id="1000-0")
    await client.xadd(ALERT_STREAM, {"event": json.dumps(make_alert(2).to_dict())})
    await start_dispatcher(stream_settings(http_server.url, replay_s=600))
    await http_server.next_request()
    await wait_until(lambda: _is_zero(pending_count(client, "slack")), message="the recent one acknowledged")
    assert notified_calls(http_server) == ["call-2"]


async def test_rides_out_a_redis_restart_that_loses_the_group(
    start_dispatcher, http_server, redis_server, store
):
    await start_dispatcher(stream_settings(http_server.url), url=redis_server.url)
    redis_server.kill()
    redis_server.start()  # no persistence: the stream and its groups are gone
    bus = RedisBus(redis_server.url)
    try:
        await bus.publish(make_alert(1))
        # Published before the dispatcher made the group again: replay_s covers it.
        await http_server.next_request()
        await wait_until(lambda: store.list_deliveries("al-1"), message="the delivery record")
    finally:
        await bus.close()


async def test_a_consumer_broken_in_an_unexpected_way_starts_over(
    start_dispatcher, http_server, redis_url, store, monkeypatch
):
    # uvloop reports a write to a closed transport as RuntimeError, no redis error:
    # the consumer must not die of it and leave its channel undelivered.
    real_read_new = AlertGroup.read_new
    broken: list[int] = []

    async def breaks_once(self: AlertGroup, *args: Any, **kwargs: Any) -> Any:
        if not broken:
            broken.append(1)
            raise RuntimeError("the handler is closed")
        return await real_read_new(self, *args, **kwargs)

    monkeypatch.setattr(AlertGroup, "read_new", breaks_once)
    await start_dispatcher(stream_settings(http_server.url))
    bus = RedisBus(redis_url)
    try:
        await bus.publish(make_alert(1))
        await http_server.next_request()
        await wait_until(lambda: store.list_deliveries("al-1"), message="the delivery record")
        assert broken == [1]
    finally:
        await bus.close()


async def _is_zero(count: Awaitable[int]) -> bool:
    return await count == 0


async def _equals(count: Awaitable[int], expected: int) -> bool:
    return await count == expected


async def test_a_dispatcher_takes_no_more_entries_than_it_works_on(start_dispatcher, http_server, client):
    http_server.hang = True
    await start_dispatcher(stream_settings(http_server.url, concurrency=2, timeout_s=600))
    for n in range(5):
        await client.xadd(ALERT_STREAM, {"event": json.dumps(make_alert(n).to_dict())})
    await wait_until(lambda: len(http_server.received) == 2, message="two sends in flight")
    # The other three stay in the stream for other dispatchers.
    assert await pending_count(client, "slack") == 2
    assert await unread_count(client, "slack") == 3
    http_server.release.set()
    await wait_until(lambda: len(http_server.received) == 5, message="the other three sent")
    await wait_until(lambda: _is_zero(pending_count(client, "slack")), message="every entry acknowledged")
    assert sorted(notified_calls(http_server)) == [f"call-{n}" for n in range(5)]


async def test_backlog_command_shows_each_channel(client, redis_url):
    runner = CliRunner()
    result = await asyncio.to_thread(runner.invoke, alerts, ["backlog", "--redis-url", redis_url])
    assert result.exit_code == 0, result.output
    assert "no dispatcher has run yet" in result.output

    ghost = AlertGroup(client, "slack", "ghost")
    await ghost.ensure(replay_s=60)
    await AlertGroup(client, "smtp", "ghost").ensure(replay_s=60)
    for n in range(3):
        await client.xadd(ALERT_STREAM, {"event": json.dumps(make_alert(n).to_dict())})
    (held, _, _) = await ghost.read_new(1, block_ms=1) + await ghost.read_new(2, block_ms=1)
    await ghost.dead_letter(held, "test")

    result = await asyncio.to_thread(runner.invoke, alerts, ["backlog", "--json", "--redis-url", redis_url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {"channel": "slack", "consumers": 1, "unread": 0, "pending": 2, "dead_letters": 1},
        {"channel": "smtp", "consumers": 0, "unread": 3, "pending": 0, "dead_letters": 0},
    ]
    result = await asyncio.to_thread(runner.invoke, alerts, ["backlog", "--redis-url", redis_url])
    assert result.output.splitlines()[1].split() == ["slack", "1", "0", "2", "1"]


class StoreThatFailsOnce(AlertStore):
    """The real store, except that the first outcome it is asked to keep is lost
    (a database outage at the worst moment)."""

    failed = False

    async def record_delivery(self, alert_id: str, channel: str, status: str, *args: Any) -> None:
        if status == "delivered" and not self.failed:
            self.failed = True
            raise OSError("database unreachable")
        await super().record_delivery(alert_id, channel, status, *args)


async def test_an_entry_is_acknowledged_only_once_its_outcome_is_stored(http_server, client, tmp_path):
    settings = stream_settings(http_server.url).notify
    store = await StoreThatFailsOnce.open(tmp_path / "callmon.db")
    (slack,) = build_notifiers(settings)
    consumer = ChannelConsumer(AlertGroup(client, "slack", "only"), slack, store, settings)
    running = spawn(consumer.run(asyncio.Event()), name="test channel consumer")
    try:
        await client.xadd(ALERT_STREAM, {"event": json.dumps(make_alert(1).to_dict())})
        await http_server.next_request()
        # Sent, but the outcome was lost: the entry must stay pending...
        await wait_until(lambda: store.failed, message="the lost record")
        assert await pending_count(client, "slack") == 1
        # ...and be taken over (here by the same dispatcher) and settled: sent again,
        # the at-least-once window the README documents.
        await http_server.next_request()
        await wait_until(lambda: _is_zero(pending_count(client, "slack")), message="the entry acknowledged")
        assert [d.status for d in await store.list_deliveries("al-1")] == ["delivered"]
        assert notified_calls(http_server) == ["call-1", "call-1"]
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await consumer.close(grace_s=0)
        await store.close()


class SilentEngine:
    """Speech-to-text is not what this test is about; any engine will do."""

    name = "silent"

    def recognize(self, pcm16k: bytes, language: str | None = None) -> Recognition:
        return Recognition(text="", confidence=0.0)


async def test_the_workers_alerts_reach_the_stream_capped_as_configured(redis_url, client, tmp_path):
    settings = IngestSettings(
        db_path=tmp_path / "callmon.db",
        redis_url=redis_url,
        audiosocket_host="127.0.0.1",
        audiosocket_port=0,
        http_host="127.0.0.1",
        http_port=0,
    )
    components = ComponentSettings(
        alerts=settings_from_mapping({"notify": {"in_process": False, "stream_max_len": 100}})
    )
    async with IngestWorker(settings, components, listen=False, engine=SilentEngine()) as worker:
        assert worker.alerts is not None
        raised = await worker.alerts.on_segment(make_segment("I will sue you", start=2.0))
        assert raised is not None
        ((_, fields),) = await wait_until(
            lambda: client.xrange(ALERT_STREAM), message="the alert in the stream"
        )
        assert decode_event(fields[b"event"]) == raised
        for n in range(300):
            await worker.bus.publish(make_alert(n))
        assert await client.xlen(ALERT_STREAM) < 300  # the worker's bus trims to the configured cap
