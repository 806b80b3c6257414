"""`callmon ingest --workers N`: N real processes accepting on one port, supervised."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.fleet.fleet_kit import ROOT
from tests.support.servers import free_port
from tests.support.waiting import wait_until


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        # Light workers: a streaming engine opens nothing until a call comes (none does here).
        "CALLMON_ASR": "deepgram",
        "DEEPGRAM_API_KEY": "test-key",
        "CALLMON_DEEPGRAM_URL": "ws://127.0.0.1:9",
        "CALLMON_VAD_ENGINE": "webrtc",
        "CALLMON_WORKER_ID": "box",
        "CALLMON_ACTIVE_CALL_HEARTBEAT_S": "0.5",
        "CALLMON_CONFIG": "",
    }


def test_more_than_one_worker_needs_redis(tmp_path: Path) -> None:
    env = {
        key: value for key, value in _env(tmp_path).items() if key not in ("REDIS_URL", "CALLMON_REDIS_URL")
    }
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "ingest", "--workers", "2", "--db", str(tmp_path / "c.db")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "--workers 2 needs Redis" in result.stderr


def test_help_explains_workers() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "ingest", "--help"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "--workers" in result.stdout and "SO_REUSEPORT" in result.stdout


async def _health_seen(port: int, seen: dict[str, int]) -> dict[str, int]:
    # A fresh connection each time: SO_REUSEPORT spreads connections by address.
    async with httpx.AsyncClient(timeout=5) as client:
        try:
            body = (await client.get(f"http://127.0.0.1:{port}/healthz")).json()
        except httpx.TransportError:
            return seen
    seen[body["worker_id"]] = body["pid"]
    return seen


@pytest.mark.timeout(240)
async def test_two_workers_accept_on_one_port_and_a_dead_one_is_restarted(
    tmp_path: Path, redis_url: str
) -> None:
    http_port, audiosocket_port = free_port(), free_port()
    supervisor = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "ingest",
        "--db",
        str(tmp_path / "callmon.db"),
        "--http-port",
        str(http_port),
        "--audiosocket-port",
        str(audiosocket_port),
        "--redis-url",
        redis_url,
        cwd=ROOT,
        # By its environment variable: the workers must not inherit it and supervise in turn.
        env={**_env(tmp_path), "CALLMON_WORKERS": "2"},
    )
    try:
        seen: dict[str, int] = {}

        async def both_answered() -> bool:
            await _health_seen(http_port, seen)
            return set(seen) == {"box-1", "box-2"}

        await wait_until(
            both_answered, timeout=120, interval=0.05, message="both workers answering on one port"
        )
        assert seen["box-1"] != seen["box-2"]
        # Both accept AudioSocket connections on the shared port too.
        for _ in range(4):
            _reader, writer = await asyncio.open_connection("127.0.0.1", audiosocket_port)
            writer.close()

        first_pid = seen["box-1"]
        os.kill(first_pid, signal.SIGKILL)

        async def restarted() -> bool:
            await _health_seen(http_port, seen)
            return seen["box-1"] != first_pid

        await wait_until(restarted, timeout=120, interval=0.05, message="box-1 restarted by the supervisor")
        pids = list(seen.values())
    finally:
        if supervisor.returncode is None:
            supervisor.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(supervisor.wait(), 90)
    assert code == 0
    for pid in pids:  # SIGTERM was forwarded: every worker has exited
        await wait_until(lambda p=pid: not Path(f"/proc/{p}").exists(), message=f"worker {pid} exited")
