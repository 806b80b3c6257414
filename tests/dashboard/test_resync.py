"""Resync after a bus outage, with a real redis-server killed and restarted
(no persistence: it comes back empty, as a crashed Redis would): calls started,
lines spoken and alerts raised during the outage all reach the dashboard."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from alerts.config import AlertSettings
from alerts.store import AlertStore
from dashboard.services import DashboardServices, open_standalone
from dashboard.settings import DashboardSettings
from ingest.bus import RedisBus
from ingest.events import AlertRaised, CallStarted, TranscriptSegment
from ingest.storage import CallStore
from tests.dashboard.conftest import PASSWORD, simulated_dashboard
from tests.support.servers import RedisServer


async def until(condition: Callable[[], bool], within_s: float = 30.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


class Worker:
    """What the worker does on a call: store in SQLite, then publish (its own bus)."""

    def __init__(self, calls: CallStore, alerts: AlertStore, bus: RedisBus) -> None:
        self.calls, self.alerts, self.bus = calls, alerts, bus

    async def start(self, call_id: str, agent: str) -> None:
        event = CallStarted(call_id, "simulated", metadata={"agent": agent})
        await self.calls.start_call(event)
        summary = await self.calls.update_call(call_id, agent=agent)
        await self.bus.publish(event)
        await self.bus.publish(summary)

    async def say(self, call_id: str, text: str, start: float) -> None:
        segment = TranscriptSegment(call_id, "caller", start, start + 1.0, text, 0.9, "en", "test", -0.5,
                                    "negative", rolling_sentiment=-0.5)  # fmt: skip
        await self.bus.publish(await self.calls.add_segment(segment))

    async def alert(self, call_id: str, alert_id: str) -> None:
        alert = AlertRaised(alert_id, call_id, "critical", ("legal_threat",), ("legal threat",), "my lawyer",
                            "caller", -0.6, -0.5, agent="bo")  # fmt: skip
        await self.alerts.add_alert(alert)
        await self.bus.publish(alert)


@pytest.fixture
def redis_server(tmp_path: Path) -> RedisServer:
    server = RedisServer(tmp_path)
    server.start()
    yield server  # type: ignore[misc]
    server.kill()


@pytest.fixture
async def redis_dashboard(
    tmp_path: Path, redis_server: RedisServer
) -> AsyncIterator[tuple[DashboardServices, Worker]]:
    db = tmp_path / "callmon.db"
    settings = DashboardSettings(secret="test secret", ingest_url="http://127.0.0.1:9",
                                 sessions_path=tmp_path / "sessions")  # fmt: skip
    calls = await CallStore.open(db)
    alerts = await AlertStore.open(db)
    worker_bus = RedisBus(redis_server.url, max_backoff_s=0.5)
    services = await open_standalone(settings, db, redis_server.url, AlertSettings())
    await services.users.add("sup", "supervisor", PASSWORD)
    yield services, Worker(calls, alerts, worker_bus)
    await services.close()
    await worker_bus.close()
    await alerts.close()
    await calls.close()


async def test_the_dashboard_resyncs_everything_raised_during_a_redis_outage(
    redis_dashboard: tuple[DashboardServices, Worker], redis_server: RedisServer
) -> None:
    services, worker = redis_dashboard
    feed = services.feed
    async with simulated_dashboard(services) as new_user:
        await worker.start("call-before", "ann")
        await worker.say("call-before", "line one before the outage", 0.0)
        await until(
            lambda: feed.calls.get("call-before") is not None and feed.calls["call-before"].last_text != ""
        )
        user = new_user()
        response = await user.http_client.post("/api/login", json={"name": "sup", "password": PASSWORD})
        assert response.status_code == 200
        await user.open("/calls/call-before")
        await user.should_see("line one before the outage", retries=30)

        redis_server.kill()
        await until(lambda: services.bus.health()["status"] == "down")
        await worker.start("call-during", "bo")
        await worker.say("call-before", "line two said while redis was down", 2.0)
        await worker.say("call-during", "i will call my lawyer", 0.0)
        await worker.alert("call-during", "alert-during")
        assert "call-during" not in feed.calls  # nothing got through

        redis_server.start()  # same port, empty: a restarted Redis without persistence
        await until(lambda: feed.resyncs >= 1)
        assert set(feed.calls) == {"call-before", "call-during"}
        assert list(feed.calls["call-during"].open_alerts) == ["alert-during"]
        assert feed.calls["call-before"].last_text == "line two said while redis was down"
        assert feed.open_alert_count == 1
        await user.should_see("line two said while redis was down", retries=50)

        # Live updates flow again after the resync.
        await worker.say("call-during", "still waiting", 2.0)
        await until(lambda: feed.calls["call-during"].last_text == "still waiting")
