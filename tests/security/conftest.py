"""A real ingest worker (AudioSocket + HTTP on loopback, SQLite, sphinx) per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from app.worker import IngestWorker
from ingest.settings import IngestSettings
from tests.support.replay import REPLAYED

WAIT_S = 30.0  # only guards against a hung test; nothing is timed

StartWorker = Callable[..., Awaitable[IngestWorker]]


@pytest.fixture
async def start_worker(tmp_path: Path) -> AsyncIterator[StartWorker]:
    workers: list[IngestWorker] = []

    async def start(**settings: Any) -> IngestWorker:
        values: dict[str, Any] = {
            "db_path": tmp_path / "callmon.db",
            "audiosocket_host": "127.0.0.1",
            "audiosocket_port": 0,
            "http_host": "127.0.0.1",
            "http_port": 0,
            "asr": "sphinx",
            "asr_threads": 1,
            **REPLAYED,  # calls are dialled faster than real time; a test may turn pacing back on
            **settings,
        }
        worker = IngestWorker(IngestSettings(**values), alerts_enabled=False)
        await worker.start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        await worker.stop()


async def until(condition: Callable[[], Awaitable[Any]], what: str) -> Any:
    """Poll `condition` until it returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while loop.time() < deadline:
        if value := await condition():
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
