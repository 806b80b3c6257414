"""Dashboard fan-out: N supervisors (real NiceGUI websocket clients) watching the
wallboard while M live calls publish through Redis: transcript segments, and now
and then an alert (the inbox strip and the tiles' badges update on those).

The dashboard runs as `callmon dashboard` in its own process (so its CPU is
measured alone) against a real Redis; this process plays the worker, publishing
call starts and transcript segments whose text carries the publish time, and
the clients time when that text reaches them in a websocket update.

    .venv/bin/python -m bench.dashboard --clients 20 --calls 200 --seconds 30
    .venv/bin/python -m bench.dashboard --all    # 2, 5, 10 and 20 supervisors x 200 calls

Latency is event to websocket message at the supervisor's socket (an element
update, or a row diff for the wallboard's grid), not to pixels.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import orjson
import socketio

from dashboard.users import UserStore
from ingest.bus.redis_bus import RedisBus
from ingest.events import AlertRaised, CallStarted, CallSummary, TranscriptSegment

STAMP = re.compile(r"@(\d+\.\d+)")
ALERT_EVERY = 20
"""One segment in this many also raises an alert (about one a second at 200 calls)."""
PASSWORD = "bench password"
PUBLISHERS = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                await client.get(url)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


class Supervisor:
    """One logged-in wallboard tab, at the websocket level."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.latencies: list[float] = []
        self._seen: set[str] = set()
        self.recording = False
        self.updates = 0
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("update", self._on_update)
        # The wallboard's tiles arrive as row diffs for its one grid component.
        self.sio.on("run_javascript", self._on_update)

    async def connect(self) -> None:
        # Long timeout: logging in hashes a password, slow on a busy machine.
        async with httpx.AsyncClient(base_url=self.base, timeout=30.0) as http:
            response = await http.post("/api/login", json={"name": "bench", "password": PASSWORD})
            response.raise_for_status()
            page = await http.get("/")
            client_id = re.search(r"'client_id': '([0-9a-f-]+)'", page.text).group(1)  # type: ignore[union-attr]
            cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        query = (
            f"client_id={client_id}&tab_id={uuid.uuid4()}&document_id={uuid.uuid4()}"
            "&implicit_handshake=true&next_message_id=0"
        )
        await self.sio.connect(
            f"{self.base}?{query}",
            socketio_path="/_nicegui_ws/socket.io",
            transports=["websocket"],
            headers={"Cookie": cookie},
        )

    async def _on_update(self, data: dict) -> None:
        received = time.time()
        self.updates += 1
        if not self.recording:
            return
        # Only a stamp's first arrival counts: the inbox strip resends its rows (with
        # their alert's stamped text) whenever any of them changes.
        for match in STAMP.finditer(orjson.dumps(data).decode()):
            stamp = match.group(1)
            if stamp not in self._seen:
                self._seen.add(stamp)
                self.latencies.append(received - float(stamp))


async def start_calls(bus: RedisBus, calls: int) -> list[str]:
    ids = [f"bench-{i:03d}-{uuid.uuid4().hex[:6]}" for i in range(calls)]
    for index, call_id in enumerate(ids):
        started = CallStarted(call_id, "simulated", metadata={"agent": f"agent{index % 17}"})
        await bus.publish(started)
        await bus.publish(
            CallSummary(
                call_id,
                "simulated",
                "active",
                started.started_at,
                agent=f"agent{index % 17}",
                campaign="bench",
            )
        )
    return ids


async def play_calls(bus: RedisBus, ids: list[str], seconds: float, gap_s: float) -> int:
    """Each call publishes a segment every ~`gap_s` s; returns segments sent."""
    sent = 0
    # A worker publishes from a few tasks, not 200 at once: more concurrent publishes
    # than that ran the bench's own Redis pool out of connections ("Too many
    # connections") and dropped events before the dashboard ever saw them.
    publishing = asyncio.Semaphore(PUBLISHERS)

    async def publish(event: AlertRaised | TranscriptSegment) -> None:
        async with publishing:
            await bus.publish(event)

    async def one_call(call_id: str) -> None:
        nonlocal sent
        position = 0.0
        await asyncio.sleep(random.uniform(0, gap_s))
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            score = random.uniform(-1, 1)
            segment = TranscriptSegment(
                call_id,
                random.choice(("agent", "caller")),
                position,
                position + 2.5,  # type: ignore[arg-type]
                f"bench line {sent} @{time.time():.6f}",
                0.9,
                "en",
                "bench",
                score,
                "positive" if score > 0.05 else "negative" if score < -0.05 else "neutral",
                rolling_sentiment=score / 2,
                id=sent,
            )
            await publish(segment)
            sent += 1
            if sent % ALERT_EVERY == 0:
                await publish(
                    AlertRaised(
                        uuid.uuid4().hex,
                        call_id,
                        random.choice(("warning", "urgent", "critical")),
                        ("bench",),
                        ("bench rule",),
                        f"bench alert @{time.time():.6f}",
                        "caller",
                        score,
                        score / 2,
                        agent=None,
                    )
                )
            position += 3.0
            await asyncio.sleep(random.uniform(0.5, 1.5) * gap_s)

    await asyncio.gather(*(one_call(call_id) for call_id in ids))
    for call_id in ids:
        await bus.publish(CallSummary(call_id, "simulated", "ended", time.time()))
    return sent


async def main(clients: int, calls: int, seconds: float, gap_s: float, profile: str | None = None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    redis_port, http_port = free_port(), free_port()
    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    db = workdir / "callmon.db"
    users = await UserStore.open(db)
    await users.add("bench", "supervisor", PASSWORD)
    await users.add("admin", "admin", PASSWORD)
    await users.close()
    env = {
        **os.environ,
        "CALLMON_DASHBOARD_SECRET": secrets.token_hex(32),
        "CALLMON_INGEST_URL": "http://127.0.0.1:9",
    }
    # --profile: the dashboard under cProfile, to find where a slow run's time goes.
    profiler = [sys.executable, "-m", "cProfile", "-o", profile] if profile else []
    server = subprocess.Popen(
        [
            *profiler,
            str(Path(sys.executable).parent / "callmon"),
            "dashboard",
            "--db",
            str(db),
            "--host",
            "127.0.0.1",
            "--port",
            str(http_port),
            "--redis-url",
            f"redis://127.0.0.1:{redis_port}",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{http_port}"
    # The publisher stands in for the worker; on a busy machine a 1 s socket timeout
    # made it drop its own events (counted against the dashboard) while Redis was fine.
    bus = RedisBus(f"redis://127.0.0.1:{redis_port}", timeout_s=10.0)
    try:
        await wait_http(f"{base}/healthz")
        supervisors = [Supervisor(base) for _ in range(clients)]
        for supervisor in supervisors:  # one by one, as people open their browsers
            await supervisor.connect()
        # Calls already in progress when the measurement starts: building 50 tiles
        # in every tab at once is a start-up cost, not event latency.
        ids = await start_calls(bus, calls)
        await asyncio.sleep(3.0)
        for supervisor in supervisors:
            supervisor.recording = True
        cpu_before, wall_before = cpu_seconds(server.pid), time.monotonic()
        own_before = time.process_time()
        sent = await play_calls(bus, ids, seconds, gap_s)
        await asyncio.sleep(1.0)
        wall = time.monotonic() - wall_before
        cpu = (cpu_seconds(server.pid) - cpu_before) / wall
        own_cpu = (time.process_time() - own_before) / wall
        latencies = sorted(value for s in supervisors for value in s.latencies)
        connected = sum(s.sio.connected for s in supervisors)
        silent = sum(s.updates == 0 for s in supervisors)
        for supervisor in supervisors:
            await supervisor.sio.disconnect()
        expected = (sent + sent // ALERT_EVERY) * clients  # every segment and alert, once each
        print(
            f"dashboard bench: {clients} supervisors x {calls} live calls, {seconds:.0f} s, "
            f"{sent / seconds:.1f} segments/s published"
        )
        # The machine may be shared: figures from a busy one say less.
        print(f"  load average (1/5/15 min) at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        print(f"  supervisors still connected: {connected} of {clients}; never updated: {silent}")
        print(
            f"  updates seen: {len(latencies)} of {expected} expected "
            f"({100 * len(latencies) / max(expected, 1):.1f}%)"
        )
        if latencies:
            quantiles = statistics.quantiles(latencies, n=100)
            print(
                f"  event-to-client latency: p50 {1000 * quantiles[49]:.0f} ms, "
                f"p95 {1000 * quantiles[94]:.0f} ms, p99 {1000 * quantiles[98]:.0f} ms, "
                f"max {1000 * latencies[-1]:.0f} ms"
            )
        print(
            f"  dashboard server CPU: {100 * cpu:.0f}% of one core "
            f"(goal: 20 x 200 with p95 <= 300 ms within one core)"
        )
        # The supervisors' sockets and the publisher share this process: when it is
        # starved, latency grows here, not in the dashboard.
        print(f"  bench process CPU (publisher + {clients} socket clients): {100 * own_cpu:.0f}% of one core")
    finally:
        await bus.close()
        server.terminate()
        server.wait(timeout=15)
        redis.terminate()
        redis.wait(timeout=5)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--gap", type=float, default=3.0, help="average seconds between a call's segments")
    parser.add_argument("--profile", help="write the dashboard process's cProfile stats to this file")
    parser.add_argument("--all", action="store_true", help="the issue's configurations: 2, 5, 10, 20 x 200")
    options = parser.parse_args()
    for clients in (2, 5, 10, 20) if options.all else (options.clients,):
        asyncio.run(main(clients, options.calls, options.seconds, options.gap, options.profile))
