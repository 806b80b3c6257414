"""Several `callmon alerts` processes on one real Redis, against local Slack and
Resend stand-ins: once per channel, take-over after kill -9, late start, poison."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import redis.asyncio as redis
from alert_support import make_segment
from stream_support import (
    dead_letter_count,
    make_alert,
    notified_calls,
    pending_by_consumer,
    pending_count,
    unread_count,
)

from alerts.config import settings_from_mapping
from alerts.service import AlertService
from alerts.store import AlertStore
from ingest.bus import RedisBus
from ingest.bus.channels import ALERT_STREAM
from tests.support.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
CLAIM_IDLE_S = 5.0
"""Short, so the kill -9 test need not wait long for the take-over; long enough that a
live dispatcher on a loaded machine refreshes what it holds in time."""


class Dispatcher:
    """One `callmon alerts` process; its log (stderr) goes to a file."""

    def __init__(self, redis_url: str, db_path: Path, log_path: Path, env: dict[str, str]) -> None:
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "alerts", "--redis-url", redis_url, "--db", str(db_path)],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def owns(self, consumer: str) -> bool:
        return f"-{self.pid}-" in consumer

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


StartDispatcher = Callable[..., Dispatcher]


@pytest.fixture
def start_dispatcher(redis_url: str, tmp_path: Path) -> Iterator[StartDispatcher]:
    started: list[Dispatcher] = []

    def start(claim_idle_s: float = CLAIM_IDLE_S, **settings: str) -> Dispatcher:
        # Only what the test sets: nothing from the caller's environment.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CALLMON_", "RESEND_", "REDIS_"))}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        env.update(CALLMON_ALERTS_CLAIM_IDLE_S=str(claim_idle_s), CALLMON_NOTIFY_RETRIES="0", **settings)
        dispatcher = Dispatcher(
            redis_url, tmp_path / "callmon.db", tmp_path / f"dispatcher-{len(started)}.log", env
        )
        started.append(dispatcher)
        return dispatcher

    yield start
    for dispatcher in started:
        dispatcher.stop()


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[redis.Redis]:
    connection = redis.from_url(redis_url)
    yield connection
    await connection.aclose()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[AlertStore]:
    opened = await AlertStore.open(tmp_path / "callmon.db")
    yield opened
    await opened.close()


def slack_to(url: str) -> dict[str, str]:
    return {"CALLMON_SLACK_WEBHOOK_URL": url + "/hook"}


def resend_to(url: str) -> dict[str, str]:
    return {
        "RESEND_API_KEY": "re_test",
        "CALLMON_RESEND_URL": url,
        "CALLMON_RESEND_FROM": "callmon <alerts@example.com>",
        "CALLMON_RESEND_TO": "supervisors@example.com",
    }


def running(dispatcher: Dispatcher) -> bool:
    """Has `dispatcher` joined its channels' groups? (Redis lists a consumer only once it
    was handed an entry, so its own log says it.)"""
    if dispatcher.process.poll() is not None:
        raise AssertionError(f"the dispatcher exited:\n{dispatcher.log()}")
    return "dispatching alerts from" in dispatcher.log()


async def settled(client: redis.Redis, *channels: str) -> bool:
    """Every entry handed out and acknowledged in each of `channels`: no delivery still to come."""
    for channel in channels:
        if await pending_count(client, channel) or await unread_count(client, channel):
            return False
    return True


async def test_two_dispatchers_deliver_each_alert_once_per_channel(
    start_dispatcher, start_http_server, client, store, redis_url
):
    slack, resend = await start_http_server(), await start_http_server()
    # The default claim idle time: no dispatcher dies here, so none may take over
    # (with a short one, a dispatcher starved of CPU for longer than it would lose
    # its entries to the other, and at-least-once may then send twice).
    channels = {**slack_to(slack.url), **resend_to(resend.url)}
    first = start_dispatcher(claim_idle_s=30.0, **channels)
    second = start_dispatcher(claim_idle_s=30.0, **channels)
    for dispatcher in (first, second):
        await wait_until(lambda d=dispatcher: running(d), message="both dispatchers running")
    alerts = [make_alert(n) for n in range(30)]
    bus = RedisBus(redis_url)
    try:
        for alert in alerts:
            await bus.publish(alert)  # the worker's alert path
    finally:
        await bus.close()
    expected = sorted(alert.call_id for alert in alerts)
    for server in (slack, resend):
        await wait_until(lambda s=server: len(s.received) >= len(alerts), message="every notification")
    await wait_until(lambda: settled(client, "slack", "resend"), message="every entry acknowledged")

    for server in (slack, resend):
        assert sorted(notified_calls(server)) == expected, Counter(notified_calls(server)).most_common(3)
    for alert in alerts:
        deliveries = await store.list_deliveries(alert.id)
        assert [(d.channel, d.status) for d in deliveries] == [
            ("resend", "delivered"),
            ("slack", "delivered"),
        ]


async def test_a_killed_dispatchers_deliveries_are_finished_by_the_survivor(
    start_dispatcher, start_http_server, client, store, redis_url
):
    stuck, working = await start_http_server(), await start_http_server()
    stuck.hang = True  # the victim's Slack never answers: it holds its deliveries
    victim = start_dispatcher(**slack_to(stuck.url), CALLMON_NOTIFY_TIMEOUT_S="600")
    await wait_until(lambda: running(victim), message="the victim running")
    alerts = [make_alert(n) for n in range(5)]
    bus = RedisBus(redis_url)
    try:
        for alert in alerts:
            await bus.publish(alert)
    finally:
        await bus.close()
    await wait_until(lambda: len(stuck.received) == len(alerts), message="the victim sending all five")
    survivor = start_dispatcher(**slack_to(working.url))
    await wait_until(lambda: running(survivor), message="the survivor running")

    # While the victim lives it keeps what it holds, however long its sends take:
    # two claim idle times pass and the survivor takes over nothing.
    loop = asyncio.get_running_loop()
    watch_until = loop.time() + 2 * CLAIM_IDLE_S

    async def victim_keeps_all() -> bool:
        held = await pending_by_consumer(client, "slack")
        assert [n for name, n in held.items() if victim.owns(name)] == [len(alerts)], held
        assert working.received == []
        return loop.time() > watch_until

    await wait_until(victim_keeps_all, message="two claim idle times")

    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait()
    await wait_until(lambda: len(working.received) >= len(alerts), message="the survivor's deliveries")
    await wait_until(lambda: settled(client, "slack"), message="every entry acknowledged")
    assert sorted(notified_calls(working)) == sorted(alert.call_id for alert in alerts)
    for alert in alerts:
        (delivery,) = await store.list_deliveries(alert.id)
        assert delivery.status == "delivered"
    assert "took over" in survivor.log()


async def test_a_late_dispatcher_delivers_what_was_raised_before_and_dead_letters_poison(
    start_dispatcher, http_server, client, store, redis_url, tmp_path
):
    # The worker's own alert path: the service stores, the bus publishes and appends.
    bus = RedisBus(redis_url)
    settings = settings_from_mapping({"notify": {"in_process": False}})
    service = await AlertService.open(tmp_path / "callmon.db", settings, bus.publish)
    try:
        await client.xadd(ALERT_STREAM, {"event": b"{truncated"})
        raised = [
            await service.on_segment(make_segment("I will sue you", call_id=f"call-{n}", start=2.0))
            for n in range(3)
        ]
    finally:
        await service.close()
        await bus.close()
    assert all(alert is not None and alert.level == "urgent" for alert in raised)

    late = start_dispatcher(**slack_to(http_server.url))
    await wait_until(lambda: len(http_server.received) >= 3, message="the earlier alerts delivered")
    await wait_until(lambda: settled(client, "slack"), message="every entry acknowledged")
    assert sorted(notified_calls(http_server)) == ["call-0", "call-1", "call-2"]
    assert await dead_letter_count(client, "slack") == 1
    await wait_until(lambda: "is malformed" in late.log(), message="the poison entry logged")
    for alert in raised:
        assert alert is not None
        assert [d.status for d in await store.list_deliveries(alert.id)] == ["delivered"]
    late.stop()  # SIGTERM, as systemd stops it: an orderly exit
    assert late.process.returncode == 0 and late.log().rstrip().endswith("stopped")
