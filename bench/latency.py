"""From an utterance's last audio frame to its segment committed and published.

Split into: end-of-speech wait (the VAD's silence timeout, in real time),
recognition queue wait, speech-to-text itself, and the rest (analysis,
per-call ordering, SQLite commit, publish). The goal is on the rest:
p95 <= 50 ms at 100 concurrent real-time Twilio calls. Every simulated call
hangs up in the same second, so their last utterances close together and
queue behind one another, a burst no real floor has: the rest is also shown
apart for live calls and for that hang-up burst.

By default speech-to-text is a fixed-sentence stand-in so that the figure
for the rest is not swamped by recognition on a 2-core machine (engines are
timed in bench/asr.py); `--asr sphinx` runs the real offline engine.

    python -m bench.latency [--calls 100] [--seconds 40] [--asr sphinx]

CALLMON_VAD_ENGINE chooses the voice detector (silero by default, as the
worker's; webrtc is the dense-worker option).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from app import event_loop
from app.worker import IngestWorker
from bench.fleet import run_fleet
from bench.harness import BENCH_LOOP, SentenceRecognizer, percentile
from ingest.pipeline import SegmentTiming
from ingest.settings import IngestSettings

PARTS = ("end_of_speech_wait", "asr_queue_wait", "asr", "rest", "total")


HANG_UP_MARGIN_S = 1.0
"""Segments closed this close to the fleet's end were cut by the hang-up, not a pause."""


async def measure(calls: int, seconds: float, asr: str | None) -> tuple[list[SegmentTiming], float]:
    """Every segment's timing, and when the fleet had hung up (monotonic)."""
    timings: list[SegmentTiming] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = IngestSettings(
            db_path=Path(tmp) / "bench.db",
            audiosocket_host="127.0.0.1",
            audiosocket_port=0,
            http_host="127.0.0.1",
            http_port=0,
            asr=asr or "sphinx",
            asr_threads=2,
            # Built from arguments, settings read no environment: pass the detector on.
            vad_engine=os.environ.get("CALLMON_VAD_ENGINE", "silero"),
            max_calls=max(calls, 1),  # latency, not admission, is measured here
        )
        engine = None if asr else SentenceRecognizer()
        async with IngestWorker(settings, engine=engine, observer=timings.append) as worker:
            url = f"ws://127.0.0.1:{worker.http_port}/twilio/media"
            await run_fleet(url, calls, seconds)
            hung_up_at = time.monotonic()
            await worker.pipeline.drain()
    return timings, hung_up_at


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=40.0, help="audio seconds per call")
    parser.add_argument(
        "--asr",
        choices=["sphinx", "whisper"],
        default=None,
        help="a real engine instead of the fixed-sentence stand-in",
    )
    args = parser.parse_args()
    timings, hung_up_at = event_loop.run(measure(args.calls, args.seconds, args.asr), BENCH_LOOP)
    engine = args.asr or SentenceRecognizer.name
    print(
        f"latency: {args.calls} concurrent Twilio calls, {args.seconds:.0f} s each, engine {engine}, "
        f"{len(timings)} segments"
    )
    print(f"{'part':>20} {'p50':>9} {'p95':>9} {'max':>9}")
    for part in PARTS:
        values = [getattr(t, part) for t in timings]
        print(
            f"{part:>20} {percentile(values, 50) * 1000:7.1f}ms {percentile(values, 95) * 1000:7.1f}ms "
            f"{max(values, default=float('nan')) * 1000:7.1f}ms"
        )
    # Every simulated call hangs up in the same second, so their last utterances
    # close together and queue behind each other: a burst no real floor has.
    # The goal is read on the live part.
    live = [t.rest for t in timings if t.closed_at < hung_up_at - HANG_UP_MARGIN_S]
    at_hang_up = [t.rest for t in timings if t.closed_at >= hung_up_at - HANG_UP_MARGIN_S]
    for label, values in (("rest, live calls", live), ("rest, at the hang-up", at_hang_up)):
        print(
            f"{label:>20} {percentile(values, 50) * 1000:7.1f}ms {percentile(values, 95) * 1000:7.1f}ms "
            f"{max(values, default=float('nan')) * 1000:7.1f}ms  ({len(values)} segments)"
        )


if __name__ == "__main__":
    main()
