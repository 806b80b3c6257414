"""bench/listen: live listen-in start time, audio delay and CPU per listener.

A worker process (bench/listen_worker.py) takes CALLS AudioSocket calls paced to
real time; LISTENERS WebSocket listeners (spread over the calls) connect with
signed tokens. Figures:
- start: connect to first audio frame, per listener (p50, p95, max);
- delay: frame received by the worker to frame received by the listener (same
  host clock; p50, p95, max over every frame);
- CPU: the worker's CPU with the calls and no listener, then with the listeners,
  over the same window; per listener = the difference / LISTENERS.

    python -m bench.listen [--calls 5] [--listeners 20] [--window 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import websockets

from app.listen_route import FRAME_HEADER
from bench.harness import percentile
from bench.live_call import LiveCall, tone_frame
from ingest.pipeline.listen_token import issue_listen_token

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-listen-secret-0123456789-abcdefghijklmnop"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def cpu_share(pid: int, window_s: float) -> float:
    """The process's CPU over `window_s`, in % of one core."""
    before, started = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(window_s)
    return 100 * (cpu_seconds(pid) - before) / (time.monotonic() - started)


async def listen(
    http_port: int, call_id: str, starts: list[float], delays: list[float], stop: asyncio.Event
) -> None:
    token = issue_listen_token(SECRET, call_id, "bench", "supervisor")
    began = time.perf_counter()
    async with websockets.connect(f"ws://127.0.0.1:{http_port}/listen/{call_id}?token={token}") as socket:
        first = True
        while not stop.is_set():
            try:
                message = await asyncio.wait_for(socket.recv(), 1)
            except TimeoutError:
                continue
            if isinstance(message, str):
                continue
            arrived = time.time()
            if first:
                starts.append(time.perf_counter() - began)
                first = False
            delays.append(arrived - FRAME_HEADER.unpack_from(message)[3])


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--listeners", type=int, default=20)
    parser.add_argument("--window", type=float, default=10.0)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        worker = subprocess.Popen(
            [sys.executable, "-m", "bench.listen_worker", f"{workdir}/calls.db", "--secret", SECRET],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert worker.stdout is not None
            ready = await asyncio.to_thread(worker.stdout.readline)
            audiosocket_port, http_port = (int(port) for port in ready.split()[1:3])
            calls = [LiveCall(audiosocket_port, tone_frame) for _ in range(options.calls)]
            for call in calls:
                await call.__aenter__()
            await asyncio.sleep(2)  # every call live and its VAD warm
            baseline = await cpu_share(worker.pid, options.window)
            starts: list[float] = []
            delays: list[float] = []
            stop = asyncio.Event()
            listeners = [
                asyncio.create_task(listen(http_port, calls[n % len(calls)].call_id, starts, delays, stop))
                for n in range(options.listeners)
            ]
            while len(starts) < options.listeners:
                await asyncio.sleep(0.05)
            delays.clear()  # steady state only
            with_listeners = await cpu_share(worker.pid, options.window)
            stop.set()
            await asyncio.gather(*listeners)
            for call in calls:
                await call.__aexit__(None, None, None)
        finally:
            worker.terminate()
            worker.wait(30)
    ms = [s * 1000 for s in starts]
    delay_ms = [d * 1000 for d in delays]
    print(
        f"bench/listen: {options.calls} calls, {options.listeners} listeners, {options.window:.0f} s windows"
    )
    print(
        f"  start (connect to first frame): p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, max {max(ms):.0f} ms"
    )
    print(
        f"  audio delay (worker to listener): p50 {percentile(delay_ms, 50):.1f} ms, "
        f"p95 {percentile(delay_ms, 95):.1f} ms, max {max(delay_ms):.1f} ms over {len(delay_ms)} frames"
    )
    per_listener = (with_listeners - baseline) / options.listeners
    print(
        f"  worker CPU: {baseline:.1f} % of a core with no listener, {with_listeners:.1f} % with "
        f"{options.listeners}: {per_listener:.2f} % per listener"
    )


if __name__ == "__main__":
    asyncio.run(main())
