"""Active calls in Redis carry a heartbeat: a dead worker's calls leave every wallboard.

The unit part uses two RedisBus clients (a worker's and a dashboard's); the
fault part starts a real worker process (bench/listen_worker.py) with a call
held open over AudioSocket and kills it with SIGKILL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import redis.asyncio as aioredis

from ingest.adapters.audiosocket_frames import FrameKind, encode_frame
from ingest.bus import RedisBus
from ingest.bus.redis_bus import alive_key
from ingest.events import CallEnded, CallStarted

ROOT = Path(__file__).resolve().parents[2]


async def until(condition, limit_s: float, what: str) -> float:  # type: ignore[no-untyped-def]
    """Seconds it took `condition()` (async) to hold; fails after `timeout`."""
    started = time.monotonic()
    while not await condition():
        if time.monotonic() - started > limit_s:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_live_calls_stay_while_the_worker_beats_and_expire_when_it_stops(redis_server) -> None:
    worker = RedisBus(redis_server.url, heartbeat_s=0.2)
    dashboard = RedisBus(redis_server.url)
    raw = aioredis.Redis.from_url(redis_server.url)
    try:
        await worker.publish(CallStarted("c1", "audiosocket", 1.0))
        await worker.publish(CallStarted("c2", "audiosocket", 1.0))
        await worker.publish(CallEnded("c2", "hangup"))
        assert set(await dashboard.active_calls()) == {"c1"}
        assert await raw.exists(alive_key("c2")) == 0
        # Ten times the expiry: only the heartbeat keeps the call on the board.
        ttl_seen = []
        for _ in range(20):
            await asyncio.sleep(0.1)
            ttl_seen.append(await raw.pttl(alive_key("c1")))
        assert set(await dashboard.active_calls()) == {"c1"}
        assert all(0 < ttl <= 600 for ttl in ttl_seen)
        await worker.close()  # stops beating without ending the call, like a crash
        await until(lambda: _no_active(dashboard), 10, "the dead worker's call to expire")
        assert await raw.hkeys("calls:active") == []  # the reader removed the ghost entry
    finally:
        await dashboard.close()
        await raw.aclose()


async def _no_active(bus: RedisBus) -> bool:
    return not await bus.active_calls()


async def test_a_call_removed_during_the_workers_outage_comes_back_with_its_heartbeat(redis_server) -> None:
    """A reader may remove an entry whose key expired while its worker could not
    reach Redis; the worker's next heartbeat puts it back."""
    worker = RedisBus(redis_server.url, heartbeat_s=0.2)
    dashboard = RedisBus(redis_server.url)
    raw = aioredis.Redis.from_url(redis_server.url)
    try:
        await worker.publish(CallStarted("c1", "audiosocket", 1.0, metadata={"agent": "6001"}))
        await raw.delete(alive_key("c1"))
        assert await dashboard.active_calls() == {}
        await until(lambda: _has(dashboard, "c1"), 10, "the heartbeat to restore the call")
        assert (await dashboard.active_calls())["c1"].metadata == {"agent": "6001"}
    finally:
        await worker.close()
        await dashboard.close()
        await raw.aclose()


async def _has(bus: RedisBus, call_id: str) -> bool:
    return call_id in await bus.active_calls()


async def test_kill_9_of_a_real_worker_takes_its_live_call_off_the_board(
    redis_server, tmp_path: Path
) -> None:
    heartbeat_s = 0.5
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.listen_worker",
            str(tmp_path / "calls.db"),
            "--redis",
            redis_server.url,
            "--heartbeat",
            str(heartbeat_s),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    dashboard = RedisBus(redis_server.url)
    connection: socket.socket | None = None
    try:
        assert process.stdout is not None
        ready = await asyncio.to_thread(process.stdout.readline)
        assert ready.startswith("READY "), ready
        call_id = uuid.uuid4()
        connection = socket.create_connection(("127.0.0.1", int(ready.split()[1])))
        connection.sendall(encode_frame(FrameKind.UUID, call_id.bytes))
        connection.sendall(encode_frame(FrameKind.SLIN_8K, bytes(320)) * 50)
        await until(lambda: _has(dashboard, str(call_id)), 30, "the call to be active in Redis")
        # Alive for well over three heartbeats: the worker keeps it there.
        await asyncio.sleep(heartbeat_s * 5)
        assert await _has(dashboard, str(call_id))
        process.send_signal(signal.SIGKILL)
        process.wait()
        took = await until(lambda: _no_active(dashboard), heartbeat_s * 20, "the ghost call to leave")
        print(f"a killed worker's call left the board {took:.2f} s after kill -9 (heartbeat {heartbeat_s} s)")
    finally:
        if connection is not None:
            connection.close()
        if process.poll() is None:
            process.kill()
            process.wait()
        await dashboard.close()


async def test_a_heartbeat_that_breaks_unexpectedly_keeps_beating(redis_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # uvloop reports a write to a closed transport as RuntimeError, no redis error:
    # a heartbeat that died of it would take every live call of the worker off the board.
    real_beat = RedisBus._beat
    broken: list[int] = []

    async def breaks_once(self: RedisBus) -> None:
        if not broken:
            broken.append(1)
            raise RuntimeError("the handler is closed")
        await real_beat(self)

    monkeypatch.setattr(RedisBus, "_beat", breaks_once)
    worker = RedisBus(redis_server.url, heartbeat_s=0.2)
    dashboard = RedisBus(redis_server.url)
    try:
        await worker.publish(CallStarted("c1", "audiosocket", 1.0))
        await until(lambda: _broken(broken), 10, "the first heartbeat to break")
        # Several expiry periods later the call is still there: the heartbeat went on.
        await asyncio.sleep(2.0)
        assert set(await dashboard.active_calls()) == {"c1"}
    finally:
        await worker.close()
        await dashboard.close()


async def _broken(broken: list[int]) -> bool:
    return bool(broken)
