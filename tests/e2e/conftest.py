"""A real ingest worker on free localhost ports, with a fresh SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.worker import IngestWorker
from ingest.settings import IngestSettings
from simulator.dialing import Target
from tests.support.replay import REPLAYED


@pytest.fixture
def worker_settings(tmp_path: Path) -> IngestSettings:
    return IngestSettings(
        db_path=tmp_path / "callmon.db",
        audiosocket_host="127.0.0.1",
        audiosocket_port=0,
        http_host="127.0.0.1",
        http_port=0,
        asr="sphinx",
        asr_threads=2,
        **REPLAYED,  # calls are dialled faster than real time, transcripts checked in spoken order
    )


@pytest.fixture
async def worker(worker_settings: IngestSettings) -> AsyncIterator[IngestWorker]:
    async with IngestWorker(worker_settings) as running:
        yield running


@pytest.fixture
def target(worker: IngestWorker) -> Target:
    return Target(
        "127.0.0.1", worker.audiosocket_port, worker.http_port, auth_token=worker.settings.twilio_auth_token
    )
