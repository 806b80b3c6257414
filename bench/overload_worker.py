"""The worker process of bench/overload.py: the real worker (production defaults,
audio pacing on), speech-to-text replaced by an engine of fixed cost per audio second.

    python -m bench.overload_worker DB_PATH --cost 0.5 --threads 2 --max-calls 10
prints `READY <audiosocket port> <http port>` once it listens; SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from pathlib import Path

from app.worker import IngestWorker
from ingest.events import Recognition
from ingest.settings import IngestSettings

ASR_BYTES_PER_S = 16000 * 2


class CostlyRecognizer:
    """Takes `cost` seconds per second of speech, as a real engine's real-time factor
    would, off the GIL (a thread sleeping), and names every line by its length."""

    name = "costly"

    def __init__(self, cost: float) -> None:
        self.cost = cost

    def recognize(self, pcm16k: bytes, language: str | None = None) -> Recognition:
        time.sleep(self.cost * len(pcm16k) / ASR_BYTES_PER_S)
        return Recognition(f"an utterance of {len(pcm16k) * 1000 // ASR_BYTES_PER_S} milliseconds", 0.9, "en")


async def _main(options: argparse.Namespace) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    settings = IngestSettings.from_env(
        env={},
        db_path=options.db_path,
        audiosocket_host="127.0.0.1",
        audiosocket_port=0,
        http_host="127.0.0.1",
        http_port=0,
        asr_threads=options.threads,
        max_calls=options.max_calls,
    )
    async with IngestWorker(settings, engine=CostlyRecognizer(options.cost), drain_timeout_s=5) as worker:
        print(f"READY {worker.audiosocket_port} {worker.http_port}", flush=True)
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("db_path", type=Path)
    parser.add_argument("--cost", type=float, default=0.5, help="engine seconds per second of speech")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-calls", type=int, default=0)
    asyncio.run(_main(parser.parse_args()))
