"""One ingest worker process for `bench/ingest_capacity.py --workers N`.

The real worker (as `callmon ingest --workers N` runs it: SO_REUSEPORT on a
shared port, its own id and spool, Redis) with the benchmark's stand-in
speech-to-text and a frame-lag probe. Settings come from the environment;
it prints `READY` once it accepts calls, then answers commands on stdin:
`reset` (start measuring) and `report` (one JSON line of figures).

    python -m bench.capacity_worker
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time

from app import event_loop
from app.worker import IngestWorker
from bench.harness import FrameLagProbe, SentenceRecognizer
from ingest.settings import IngestSettings


async def main() -> None:
    probe = FrameLagProbe()
    settings = IngestSettings.from_env()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: None)  # the stdin EOF stops it
    async with IngestWorker(settings, engine=SentenceRecognizer(), tap=probe, alerts_enabled=True):
        print("READY", flush=True)
        cpu0, wall0 = time.process_time(), time.monotonic()
        while command := (await asyncio.to_thread(sys.stdin.readline)).strip():
            if command == "reset":
                probe.reset()
                cpu0, wall0 = time.process_time(), time.monotonic()
                print("OK", flush=True)
            elif command == "report":
                figures = {
                    "frames": probe.frames,
                    "late": probe.late,
                    "lags_ms": [round(lag * 1000, 1) for lag in probe.lags],
                    "cpu_s": time.process_time() - cpu0,
                    "wall_s": time.monotonic() - wall0,
                }
                print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    event_loop.run(main(), IngestSettings.from_env().event_loop)
