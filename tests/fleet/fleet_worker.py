"""One real ingest worker process for the fleet tests.

Settings come from the environment the test gives it (CALLMON_WORKER_ID,
REDIS_URL, CALLMON_DB_PATH, CALLMON_ACTIVE_CALL_HEARTBEAT_S, ...). Speech-to-text
is a stand-in that names an utterance by its length (the tests are about
ownership, not recognition). Prints `READY <audiosocket port> <http port>`.

    python -m tests.fleet.fleet_worker
"""

from __future__ import annotations

import asyncio
import signal

from app.worker import IngestWorker
from ingest.events import Recognition
from ingest.settings import IngestSettings


class LengthRecognizer:
    name = "length"

    def recognize(self, pcm16k: bytes, language: str | None = None) -> Recognition:
        return Recognition(f"an utterance of {len(pcm16k) // 32} milliseconds", 0.9, "en")


async def main() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    settings = IngestSettings.from_env(
        audiosocket_host="127.0.0.1", http_host="127.0.0.1", asr_threads=1, vad_engine="webrtc"
    )
    async with IngestWorker(settings, engine=LengthRecognizer(), alerts_enabled=False) as worker:
        print(f"READY {worker.audiosocket_port} {worker.http_port}", flush=True)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
