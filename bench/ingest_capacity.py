"""How many real-time Twilio calls one worker sustains, and CPU per call.

Each call is a real Media Stream over a WebSocket on localhost: two tracks x
50 frames/s of flite speech, mu-law decoded, segmented by voice activity,
resampled, analysed, stored in SQLite and published on the in-process bus.
Speech-to-text is replaced by a fixed-sentence recognizer (timed on its own
in bench/asr.py). The senders run in separate processes on the same 2 cores.

    python -m bench.ingest_capacity [--calls 50,100,200,250] [--seconds 30]

With `--workers N` every call count runs twice in the same run, against one
worker process and against N sharing the port (bench/capacity_fleet.py), and
the last line compares the most calls each handled with no late frame.
CALLMON_VAD_ENGINE chooses the voice detector there (silero by default, as
the worker's; webrtc is the dense-worker option).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from app import event_loop
from app.worker import IngestWorker
from bench.capacity_fleet import compare
from bench.fleet import run_fleet
from bench.harness import BENCH_LOOP, LATE_S, FrameLagProbe, SentenceRecognizer, percentile
from ingest.settings import IngestSettings


async def measure(calls: int, seconds: float, senders: int) -> dict[str, float]:
    probe = FrameLagProbe()
    with tempfile.TemporaryDirectory() as tmp:
        settings = IngestSettings(
            db_path=Path(tmp) / "bench.db",
            audiosocket_host="127.0.0.1",
            audiosocket_port=0,
            http_host="127.0.0.1",
            http_port=0,
            asr_threads=2,
            # Settings built from arguments do not read the environment: pass the
            # detector on, or the single-worker figures would always be Silero's.
            vad_engine=os.environ.get("CALLMON_VAD_ENGINE", "silero"),
            max_calls=max(calls, 1),  # capacity, not admission, is measured here
        )
        async with IngestWorker(
            settings, engine=SentenceRecognizer(), tap=probe, alerts_enabled=True
        ) as worker:
            url = f"ws://127.0.0.1:{worker.http_port}/twilio/media"
            fleet = asyncio.ensure_future(run_fleet(url, calls, seconds, processes=senders))
            # Measure the steady state: skip the ramp and the first seconds.
            await asyncio.sleep(2.0 + min(5.0, seconds / 4))
            probe.reset()
            cpu0, wall0 = time.process_time(), time.monotonic()
            sent = await fleet
            cpu = time.process_time() - cpu0
            wall = time.monotonic() - wall0
            segments = sum(c.segment_count for c in await worker.store.list_calls(limit=calls + 10))
    return {
        "calls": calls,
        "frames": probe.frames,
        "late": probe.late,
        "lag_p50_ms": percentile(probe.lags, 50) * 1000,
        "lag_p99_ms": percentile(probe.lags, 99) * 1000,
        "lag_max_ms": max(probe.lags, default=float("nan")) * 1000,
        "cpu_pct": 100 * cpu / wall,
        "cpu_ms_per_call_s": 1000 * cpu / wall / calls,
        "segments": segments,
        "sender_late_ticks": sent["sender_late_ticks"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", default="50,100,200,250", help="comma-separated call counts")
    parser.add_argument("--seconds", type=float, default=30.0, help="audio seconds per run")
    parser.add_argument("--senders", type=int, default=1, help="sender processes")
    parser.add_argument(
        "--workers", type=int, default=1, help="compare 1 worker process with this many (needs Redis)"
    )
    parser.add_argument("--redis-url", help="Redis for --workers (default: a private redis-server)")
    args = parser.parse_args()
    print(
        f"ingest capacity on {os.cpu_count()} cores; frame late if > {LATE_S * 1000:.0f} ms behind schedule"
    )
    if args.workers > 1:
        print(f"VAD: {os.environ.get('CALLMON_VAD_ENGINE', 'silero')}; senders: {args.senders} process(es)")
        compare(
            [int(c) for c in args.calls.split(",")], args.workers, args.seconds, args.senders, args.redis_url
        )
        return
    print(f"VAD: {os.environ.get('CALLMON_VAD_ENGINE', 'silero')}; event loop: {BENCH_LOOP}")
    print(
        f"{'calls':>6} {'frames':>8} {'late':>6} {'lag p50':>8} {'lag p99':>8} {'lag max':>8} "
        f"{'worker CPU':>10} {'CPU/call':>9} {'segments':>8} {'sender late':>11}"
    )
    for calls in (int(c) for c in args.calls.split(",")):
        r = event_loop.run(measure(calls, args.seconds, args.senders), BENCH_LOOP)
        print(
            f"{r['calls']:>6} {r['frames']:>8} {r['late']:>6} {r['lag_p50_ms']:>6.1f}ms {r['lag_p99_ms']:>6.1f}ms "
            f"{r['lag_max_ms']:>6.1f}ms {r['cpu_pct']:>9.1f}% {r['cpu_ms_per_call_s']:>6.2f}ms/s "
            f"{r['segments']:>8} {r['sender_late_ticks']:>11}",
            flush=True,
        )


if __name__ == "__main__":
    main()
