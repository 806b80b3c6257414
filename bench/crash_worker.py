"""A worker process for the crash test and bench/crash.py: the real worker with a slow, predictable
speech-to-text stand-in, so a kill -9 always finds utterances waiting.

    python -m bench.crash_worker DB_PATH [SECONDS_PER_UTTERANCE [DRAIN_TIMEOUT_S]]
prints `READY <audiosocket port> <http port>` once it listens.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path

from app.worker import IngestWorker
from ingest.events import Recognition
from ingest.settings import IngestSettings
from simulator.speech import speak

LINES = (
    "hello i am calling about my last bill",
    "the amount is much higher than usual",
    "i would like somebody to explain it to me",
    "can you look at the charges from march",
    "thank you for checking that for me",
    "i will wait for your email then",
)
"""What the crash tests' caller says: six lines, each its own utterance."""


def call_audio() -> bytes:
    """The six lines as 8 kHz s16le, a second of silence after each."""
    silence = bytes(8000 * 2)
    return b"".join(speak(line, "caller") + silence for line in LINES)


class SlowNumberedRecognizer:
    """Names each utterance by its length, after `delay_s`: every utterance has words."""

    name = "slow-numbered"

    def __init__(self, delay_s: float) -> None:
        self._delay_s = delay_s

    def recognize(self, pcm16k: bytes, language: str | None = None) -> Recognition:
        time.sleep(self._delay_s)
        return Recognition(f"an utterance of {len(pcm16k) // 32} milliseconds", 0.9, "en")


def crash_settings(db_path: Path, **overrides: object) -> IngestSettings:
    """A loopback worker on free ports with one recognition thread, no audio pacing
    (and `overrides`)."""
    return IngestSettings.from_env(
        env={},
        db_path=db_path,
        audiosocket_host="127.0.0.1",
        audiosocket_port=0,
        http_host="127.0.0.1",
        http_port=0,
        asr_threads=1,
        audio_burst_s=0.0,  # calls are replayed faster than real time on purpose: no pacing
        **overrides,
    )


async def _main(db_path: Path, delay_s: float, drain_timeout_s: float) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    engine = SlowNumberedRecognizer(delay_s)
    async with IngestWorker(
        crash_settings(db_path), engine=engine, alerts_enabled=False, drain_timeout_s=drain_timeout_s
    ) as worker:
        print(f"READY {worker.audiosocket_port} {worker.http_port}", flush=True)
        await stop.wait()


if __name__ == "__main__":
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    drain = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    asyncio.run(_main(Path(sys.argv[1]), delay, drain))
