"""A worker process for the listen-in and active-call heartbeat tests and bench/listen.py:
the real worker (AudioSocket, HTTP with `WS /listen`, optional Redis bus) with a quick
speech-to-text stand-in, so it runs anywhere without models.

    python -m bench.listen_worker DB_PATH [--redis URL] [--heartbeat S] [--secret S]
prints `READY <audiosocket port> <http port>` once it listens; SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

from app.worker import ComponentSettings, IngestWorker
from bench.crash_worker import SlowNumberedRecognizer, crash_settings
from ingest.settings import IngestSettings


def worker_settings(db_path: Path, redis_url: str | None, heartbeat_s: float) -> IngestSettings:
    return crash_settings(db_path, redis_url=redis_url, active_call_heartbeat_s=heartbeat_s)


async def _main(options: argparse.Namespace) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    settings = worker_settings(Path(options.db_path), options.redis, options.heartbeat)
    async with IngestWorker(
        settings,
        ComponentSettings(listen_secret=options.secret),
        engine=SlowNumberedRecognizer(0.01),
        alerts_enabled=False,
        drain_timeout_s=5.0,
    ) as worker:
        print(f"READY {worker.audiosocket_port} {worker.http_port}", flush=True)
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("db_path")
    parser.add_argument("--redis")
    parser.add_argument("--heartbeat", type=float, default=5.0)
    parser.add_argument("--secret")
    asyncio.run(_main(parser.parse_args()))
