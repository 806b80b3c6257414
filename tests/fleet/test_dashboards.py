"""Two real `callmon dashboard` processes on one Redis and one database, as behind
a load balancer: a login on one is valid on the other (and a logout on either
ends it on both), and both show the same live calls, including a call that was
live before the second one started."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from dashboard.users import UserStore
from ingest.bus.redis_bus import RedisBus
from ingest.events import CallStarted
from ingest.storage import CallStore
from tests.fleet.fleet_kit import ROOT
from tests.support.servers import free_port
from tests.support.waiting import wait_until

PASSWORD = "correct horse battery"


@asynccontextmanager
async def dashboard_process(db: Path, redis_url: str, secret: str) -> AsyncIterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CALLMON_DASHBOARD_SECRET": secret,
        "CALLMON_INGEST_URL": "http://127.0.0.1:9",
        "CALLMON_CONFIG": "",
        # Each its own folder, as on two machines: only Redis can share the sessions.
        "CALLMON_DASHBOARD_SESSIONS_PATH": str(db.parent / f"sessions-{port}"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "dashboard",
        "--db",
        str(db),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--redis-url",
        redis_url,
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"

    async def answers() -> bool:
        async with httpx.AsyncClient(timeout=2) as client:
            try:
                await client.get(f"{url}/healthz")
            except httpx.TransportError:
                assert process.returncode is None, "the dashboard exited"
                return False
            return True

    try:
        await wait_until(answers, timeout=120, interval=0.1, message=f"dashboard on {url}")
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)


async def _start_live_call(store: CallStore, bus: RedisBus, call_id: str) -> None:
    started = CallStarted(call_id, "twilio", 1000.0, {})
    summary = await store.start_call(started)
    await bus.publish(started)
    await bus.publish(summary)


@pytest.mark.timeout(300)
async def test_two_dashboards_share_sessions_and_live_calls(tmp_path: Path, redis_url: str) -> None:
    db = tmp_path / "callmon.db"
    users = await UserStore.open(db)
    await users.add("root", "admin", PASSWORD)
    await users.add("sup", "supervisor", PASSWORD)
    await users.close()
    store = await CallStore.open(db)
    bus = RedisBus(redis_url)
    secret = secrets.token_hex(32)
    try:
        await _start_live_call(store, bus, "call-before")
        async with (
            dashboard_process(db, redis_url, secret) as first,
            dashboard_process(db, redis_url, secret) as second,
        ):
            await _start_live_call(store, bus, "call-after")
            async with httpx.AsyncClient(timeout=10) as browser:
                login = await browser.post(f"{first}/api/login", json={"name": "sup", "password": PASSWORD})
                assert login.status_code == 200, login.text
                assert browser.cookies.get("session")

                async def signed_in_on(url: str) -> bool:
                    response = await browser.get(f"{url}/api/me")
                    return response.status_code == 200 and response.json()["name"] == "sup"

                await wait_until(lambda: signed_in_on(second), message="the session valid on the second")

                async def shows_both_calls(url: str) -> bool:
                    response = await browser.get(f"{url}/api/calls/active")
                    assert response.status_code == 200, response.text
                    return {call["call_id"] for call in response.json()} == {"call-before", "call-after"}

                for url in (first, second):
                    await wait_until(lambda u=url: shows_both_calls(u), message=f"both live calls on {url}")

                # Signed out on the second: the first forgets the session too.
                await browser.get(f"{second}/logout")

                async def signed_out_on_first() -> bool:
                    return (await browser.get(f"{first}/api/me")).status_code == 401

                await wait_until(signed_out_on_first, message="the session ended on the first")
    finally:
        await bus.close()
        await store.close()
