"""Three times the sustainable load: admission, pacing and the recognition overload policy.

The worker runs in its own process (bench/overload_worker.py: production
defaults, audio pacing on) with a speech-to-text stand-in of fixed cost per
second of speech (`--cost`, on `--threads` engine slots), so its capacity is
known: `threads / cost` seconds of speech per second. A call here is the crash
benchmark's caller (six lines, a second of silence after each) dialled over
AudioSocket at real time, so the *sustainable load* is capacity divided by the
speech each call brings per second. This bench keeps 3x that many calls
trying at once for `--duration` seconds (a refused call tries again after
`--retry-s`); the worker admits at most `--max-calls` (default: 2x sustainable,
so admitted speech alone is twice what the engines can do and the overload
policy is exercised, while the third x is refused). Then it waits for the
backlog to drain and prints:

- /healthz response time p95 and max (goal p95 < 100 ms), polled every 0.25 s;
- end of speech to stored, on-time lines and late lines apart (the worker's own
  p95 over the last minute, worst sample; and per segment from the database);
- refused calls, admitted calls, utterances spoken (6 per admitted call) and
  stored, late ones marked (goal: all stored);
- worker RSS over time (goal: bounded);
- how long the backlog took to drain after the load stopped.

    python -m bench.overload [--duration 180] [--cost 0.5] [--threads 2]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.crash_worker import LINES, call_audio
from bench.harness import percentile
from ingest.adapters.audiosocket_frames import FrameKind
from simulator.audiosocket_dialer import AudioSocketDialer

ROOT = Path(__file__).resolve().parents[1]
HEALTH_POLL_S = 0.25
RSS_EVERY_S = 10.0
SILENCE_AFTER_LINE_S = 1.0


@dataclass
class Load:
    refused: int = 0
    admitted: dict[str, float] = field(default_factory=dict)
    """Admitted call id -> wall-clock time its first audio frame was sent."""
    completed: set[str] = field(default_factory=set)
    dropped_connections: int = 0


@dataclass
class HealthLog:
    latencies_s: list[float] = field(default_factory=list)
    errors: int = 0
    worker_p95_s: list[float] = field(default_factory=list)
    rss_mb: list[tuple[float, float]] = field(default_factory=list)
    peak_fresh_audio_s: float = 0.0
    peak_spooled: int = 0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def poll_health(url: str, pid: int, stop: Any, results: Any) -> None:
    """In a process of its own, so the dialers do not delay the probe; puts its
    `HealthLog` (as a dict) on `results` once `stop` is set."""
    log = HealthLog()
    started = time.monotonic()
    next_rss = started
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            asked = time.monotonic()
            try:
                body = client.get(url).json()
            except (httpx.HTTPError, ValueError):
                log.errors += 1
            else:
                log.latencies_s.append(time.monotonic() - asked)
                recognition = body["recognition"]
                if recognition["latency_p95_s"] is not None:
                    log.worker_p95_s.append(recognition["latency_p95_s"])
                log.peak_fresh_audio_s = max(log.peak_fresh_audio_s, recognition["fresh_audio_s"])
                log.peak_spooled = max(log.peak_spooled, recognition["spooled_utterances"])
            if time.monotonic() >= next_rss:
                log.rss_mb.append((time.monotonic() - started, rss_mb(pid)))
                next_rss += RSS_EVERY_S
            stop.wait(HEALTH_POLL_S)
    results.put(asdict(log))


async def health_now(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(url)).json()
    return body


async def one_call(port: int, audio: bytes, load: Load) -> bool:
    """Dial one call at real time; False when the worker refused it."""
    call_id = str(uuid.uuid4())
    dialer = AudioSocketDialer()
    try:
        await dialer.connect("127.0.0.1", port, call_id)
        try:
            # Keep-alives come only once the call is admitted; a refusal closes the socket.
            await asyncio.wait_for(dialer.wait_received(FrameKind.SLIN_8K), 10)
        except (ConnectionError, TimeoutError):
            load.refused += 1
            return False
        load.admitted[call_id] = time.time()
        await dialer.send_audio(audio, realtime=True)
        await dialer.hangup()
        load.completed.add(call_id)
        return True
    except ConnectionError:
        load.dropped_connections += 1
        return True
    finally:
        await dialer.close()


async def call_slot(port: int, audio: bytes, load: Load, until: float, retry_s: float, delay: float) -> None:
    await asyncio.sleep(delay)
    while time.monotonic() < until:
        if not await one_call(port, audio, load):
            await asyncio.sleep(retry_s)


def stored_figures(db_path: Path, load: Load) -> dict[str, Any]:
    with sqlite3.connect(db_path) as db:
        rows = db.execute('SELECT call_id, "end", created_at, late FROM segments').fetchall()
        active = db.execute("SELECT COUNT(*) FROM calls WHERE status = 'active'").fetchone()[0]
    on_time: list[float] = []
    late: list[float] = []
    per_call: dict[str, int] = {}
    for call_id, end, created_at, is_late in rows:
        per_call[call_id] = per_call.get(call_id, 0) + 1
        started = load.admitted.get(call_id)
        if started is None:
            continue
        # The call is sent at real time: its audio second `end` was spoken at started + end.
        (late if is_late else on_time).append(created_at - (started + end))
    completed = sorted(load.completed)
    return {
        "spoken": len(LINES) * len(completed),
        "stored": sum(per_call.get(call_id, 0) for call_id in completed),
        "calls_short": sum(1 for call_id in completed if per_call.get(call_id, 0) != len(LINES)),
        "late": len(late),
        "on_time_p95_s": percentile(on_time, 95),
        "late_p95_s": percentile(late, 95),
        "active_after": active,
    }


async def run(options: argparse.Namespace) -> None:
    audio = await asyncio.to_thread(call_audio)
    call_s = len(audio) / 16000
    speech_s = call_s - SILENCE_AFTER_LINE_S * len(LINES)
    capacity = options.threads / options.cost  # seconds of speech recognised per second
    sustainable = max(1, math.floor(capacity / (speech_s / call_s)))
    offered = options.factor * sustainable
    max_calls = options.max_calls or 2 * sustainable
    print(
        f"engine: {options.threads} slots x {options.cost:g} s per speech second = {capacity:.1f} speech s/s; "
        f"a call: {call_s:.1f} s with {speech_s:.1f} s of speech -> sustainable {sustainable} calls; "
        f"offered {offered} calls at once for {options.duration:g} s, worker admits {max_calls}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "overload.db"
        worker_log = Path(tmp) / "worker.log"  # every refusal is logged: kept out of the figures
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.overload_worker", str(db_path), "--cost", str(options.cost),
             "--threads", str(options.threads), "--max-calls", str(max_calls)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=worker_log.open("w"),
            text=True,
        )  # fmt: skip
        try:
            assert process.stdout is not None
            ready = process.stdout.readline().split()
            assert ready and ready[0] == "READY", f"worker did not start: {ready}"
            port, http_port = int(ready[1]), int(ready[2])
            health_url = f"http://127.0.0.1:{http_port}/healthz"
            spawn = multiprocessing.get_context("spawn")
            stop, results = spawn.Event(), spawn.Queue()
            poller = spawn.Process(target=poll_health, args=(health_url, process.pid, stop, results))
            poller.start()
            load = Load()
            started = time.monotonic()
            until = started + options.duration
            # Stagger the first dials over a call's length, as real traffic would arrive.
            await asyncio.gather(
                *(
                    call_slot(port, audio, load, until, options.retry_s, n * call_s / offered)
                    for n in range(offered)
                )
            )
            load_ended = time.monotonic()

            async with httpx.AsyncClient(timeout=10) as client:
                while True:
                    final = await health_now(client, health_url)
                    recognition = final["recognition"]
                    if final["active_calls"] == 0 and recognition["queued_utterances"] == 0:
                        break
                    await asyncio.sleep(0.5)
            drain_s = time.monotonic() - load_ended
            stop.set()
            health = HealthLog(**await asyncio.to_thread(results.get))
            poller.join()
        finally:
            process.terminate()
            process.wait(timeout=60)
        figures = stored_figures(db_path, load)
        log_lines = worker_log.read_text(errors="replace").splitlines()
        print(f"worker log: {len(log_lines)} lines, the last: {log_lines[-1:] or 'none'}")
    report(options, load, health, final, figures, load_ended - started, drain_s)


def report(
    options: argparse.Namespace,
    load: Load,
    health: HealthLog,
    final: dict[str, Any],
    figures: dict[str, Any],
    load_s: float,
    drain_s: float,
) -> None:
    ms = 1000
    print(
        f"load ran {load_s:.0f} s; backlog drained {drain_s:.1f} s after it stopped\n"
        f"healthz: {len(health.latencies_s)} probes, p95 {percentile(health.latencies_s, 95) * ms:.1f} ms, "
        f"max {max(health.latencies_s, default=float('nan')) * ms:.1f} ms, errors {health.errors} "
        f"(goal p95 < 100 ms)\n"
        f"end of speech to stored, on-time lines: worker p95 (60 s window) worst "
        f"{max(health.worker_p95_s, default=float('nan')):.2f} s, median "
        f"{percentile(health.worker_p95_s, 50):.2f} s; per segment p95 {figures['on_time_p95_s']:.2f} s\n"
        f"late lines: {figures['late']} (worker counted {final['recognition']['late_total']}), "
        f"stored p95 {figures['late_p95_s']:.1f} s after their end of speech\n"
        f"calls: {len(load.admitted)} admitted, {len(load.completed)} completed, {load.refused} refused "
        f"(worker counted {final.get('refused_calls')}), {load.dropped_connections} dropped mid-call, "
        f"{figures['active_after']} left active\n"
        f"utterances: {figures['spoken']} spoken in admitted calls, {figures['stored']} stored "
        f"({figures['calls_short']} calls short of {len(LINES)})\n"
        f"memory queue peak {health.peak_fresh_audio_s:.1f} s of speech (bound 120 s), spool peak "
        f"{health.peak_spooled} utterances; pacing {final.get('pacing')}\n"
        "worker RSS MB over time: " + ", ".join(f"{at:.0f}s {mb:.0f}" for at, mb in health.rss_mb),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of offered load")
    parser.add_argument("--factor", type=int, default=3, help="times the sustainable load offered")
    parser.add_argument("--cost", type=float, default=0.5, help="engine seconds per second of speech")
    parser.add_argument("--threads", type=int, default=2, help="engine slots")
    parser.add_argument(
        "--max-calls", type=int, default=0, help="worker's CALLMON_MAX_CALLS (0: 2x sustainable)"
    )
    parser.add_argument("--retry-s", type=float, default=2.0, help="a refused caller tries again after this")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
