"""A real ingest worker storing on PostgreSQL: a spoken AudioSocket call ends up
transcribed, scored and alerted in the database, as it does on SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from alerts.store import AlertStore
from app.worker import IngestWorker
from ingest.events import CallSummary
from ingest.settings import IngestSettings
from simulator.dialing import Target, dial_audiosocket
from simulator.scripts import find_script
from simulator.timeline import render_call
from tests.support.replay import REPLAYED
from tests.support.waiting import wait_until


@pytest.fixture
async def worker(tmp_path: Path, postgres_url: str) -> AsyncIterator[IngestWorker]:
    settings = IngestSettings(
        db_path=tmp_path / "unused.db",
        database_url=postgres_url,
        audiosocket_host="127.0.0.1",
        audiosocket_port=0,
        http_host="127.0.0.1",
        http_port=0,
        asr="sphinx",
        asr_threads=2,
        **REPLAYED,  # the call is dialled in a fraction of its length
    )
    async with IngestWorker(settings) as running:
        yield running


async def test_a_call_is_stored_on_postgresql(
    worker: IngestWorker, tmp_path: Path, postgres_url: str
) -> None:
    target = Target("127.0.0.1", worker.audiosocket_port, worker.http_port)
    call_id = await dial_audiosocket(render_call(find_script("cancel_escalation")), target, speed=None)

    async def ended() -> CallSummary | None:
        summary = await worker.store.get_call(call_id)
        return summary if summary is not None and summary.status == "ended" else None

    summary = await wait_until(ended, timeout=240, message=f"call {call_id} to end")
    segments = await worker.store.list_segments(call_id)
    assert segments and summary.segment_count == len([s for s in segments if s.transcribed])
    assert any("cancel" in s.keywords for s in segments), [s.text for s in segments]
    assert [s.id for s in await worker.store.search_segments("cancel")]
    assert not (tmp_path / "unused.db").exists()  # nothing went to SQLite
    assert worker.alerts is not None
    await worker.alerts.drain()
    alerts = await AlertStore.open(postgres_url)
    try:
        assert await alerts.list_alerts(call_id=call_id)
    finally:
        await alerts.close()
