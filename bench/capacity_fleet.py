"""`bench/ingest_capacity.py --workers N`: the same calls against 1 and N worker processes.

The worker processes are `bench.capacity_worker` (the real worker with the
stand-in speech-to-text), sharing one HTTP port through SO_REUSEPORT as under
`callmon ingest --workers N`, one SQLite file and one Redis (a private
redis-server unless --redis-url is given). The senders (bench/fleet.py) run
in their own processes on the same cores, so their CPU is reported too.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.fleet import run_fleet
from bench.harness import percentile

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def private_redis(workdir: Path) -> Iterator[str]:
    """A throwaway redis-server (no persistence) on a free port."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait()


class WorkerGroup:
    """N `bench.capacity_worker` processes on one HTTP port."""

    def __init__(self, count: int, workdir: Path, redis_url: str, vad: str) -> None:
        self.count = count
        self.http_port = _free_port()
        self._workdir = workdir
        self._redis_url = redis_url
        self._vad = vad
        self._processes: list[asyncio.subprocess.Process] = []

    async def start(self) -> None:
        for number in range(1, self.count + 1):
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "CALLMON_CONFIG": "",
                "CALLMON_DB_PATH": str(self._workdir / "bench.db"),
                "REDIS_URL": self._redis_url,
                "CALLMON_WORKER_ID": f"bench-{number}",
                "CALLMON_SPOOL_DIR": str(self._workdir / f"spool-{number}"),
                "CALLMON_REUSE_PORT": "true",
                "CALLMON_HTTP_HOST": "127.0.0.1",
                "CALLMON_HTTP_PORT": str(self.http_port),
                "CALLMON_AUDIOSOCKET_HOST": "127.0.0.1",
                "CALLMON_AUDIOSOCKET_PORT": "0",
                "CALLMON_ASR_THREADS": "2",
                "CALLMON_VAD_ENGINE": self._vad,
                "CALLMON_MAX_CALLS": "0",
            }
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.capacity_worker",
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=1 << 26,  # the report line carries every frame's lag
            )
            self._processes.append(process)
            # One at a time: the first creates the database.
            if await self._line(process) != "READY":
                raise RuntimeError(f"bench worker {number} did not start")

    async def _line(self, process: asyncio.subprocess.Process) -> str:
        assert process.stdout is not None
        return (await asyncio.wait_for(process.stdout.readline(), 300)).decode().strip()

    async def command(self, command: str) -> list[str]:
        for process in self._processes:
            assert process.stdin is not None
            process.stdin.write(f"{command}\n".encode())
            await process.stdin.drain()
        return [await self._line(process) for process in self._processes]

    async def stop(self) -> None:
        for process in self._processes:
            assert process.stdin is not None
            process.stdin.close()
        for process in self._processes:
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()


async def measure_group(
    workers: int, calls: int, seconds: float, senders: int, redis_url: str
) -> dict[str, float]:
    vad = os.environ.get("CALLMON_VAD_ENGINE", "silero")
    with tempfile.TemporaryDirectory() as tmp:
        group = WorkerGroup(workers, Path(tmp), redis_url, vad)
        await group.start()
        try:
            url = f"ws://127.0.0.1:{group.http_port}/twilio/media"
            fleet = asyncio.ensure_future(run_fleet(url, calls, seconds, processes=senders))
            await asyncio.sleep(2.0 + min(5.0, seconds / 4))  # skip the ramp, as the one-process bench
            await group.command("reset")
            sent = await fleet
            reports = [json.loads(line) for line in await group.command("report")]
        finally:
            await group.stop()
        with sqlite3.connect(Path(tmp) / "bench.db") as db:
            segments = db.execute("SELECT COALESCE(SUM(segment_count), 0) FROM calls").fetchone()[0]
    lags = [lag for report in reports for lag in report["lags_ms"]]
    wall = max(report["wall_s"] for report in reports)
    return {
        "workers": workers,
        "calls": calls,
        "frames": sum(report["frames"] for report in reports),
        "late": sum(report["late"] for report in reports),
        "lag_p50_ms": percentile(lags, 50),
        "lag_p99_ms": percentile(lags, 99),
        "lag_max_ms": max(lags, default=float("nan")),
        "worker_cpu_pct": 100 * sum(report["cpu_s"] for report in reports) / wall,
        "sender_cpu_pct": 100 * sent["sender_cpu_s"] / seconds,
        "segments": segments,
        "sender_late_ticks": sent["sender_late_ticks"],
        "calls_per_worker": [report["frames"] for report in reports],  # frames: how the port spread calls
    }


def compare(
    call_counts: list[int], workers: int, seconds: float, senders: int, redis_url: str | None
) -> None:
    print(
        f"{'workers':>7} {'calls':>6} {'frames':>8} {'late':>6} {'late %':>6} {'lag p50':>8} {'lag p99':>8} {'lag max':>9} "
        f"{'worker CPU':>10} {'sender CPU':>10} {'segments':>8} {'sender late':>11}  frames per worker"
    )
    best: dict[int, int] = {1: 0, workers: 0}
    with tempfile.TemporaryDirectory() as tmp, _redis(redis_url, Path(tmp)) as url:
        for calls in call_counts:
            for group in (1, workers):
                r = asyncio.run(measure_group(group, calls, seconds, senders, url))
                if r["late"] == 0 and r["frames"]:
                    best[group] = max(best[group], calls)
                print(
                    f"{r['workers']:>7} {r['calls']:>6} {r['frames']:>8} {r['late']:>6} "
                    f"{100 * r['late'] / max(1, r['frames']):>5.1f}% "
                    f"{r['lag_p50_ms']:>6.1f}ms {r['lag_p99_ms']:>6.1f}ms {r['lag_max_ms']:>7.1f}ms "
                    f"{r['worker_cpu_pct']:>9.1f}% {r['sender_cpu_pct']:>9.1f}% {r['segments']:>8} "
                    f"{r['sender_late_ticks']:>11}  {r['calls_per_worker']}",
                    flush=True,
                )
    ratio = best[workers] / best[1] if best[1] else float("nan")
    print(
        f"most calls with no late frame: 1 worker {best[1]}, {workers} workers {best[workers]} "
        f"({ratio:.2f}x; goal >= 1.8x)"
    )


@contextmanager
def _redis(redis_url: str | None, workdir: Path) -> Iterator[str]:
    if redis_url:
        yield redis_url
        return
    with private_redis(workdir) as url:
        yield url
