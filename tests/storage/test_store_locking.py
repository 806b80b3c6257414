"""Another process holding SQLite's write lock: we wait, we never drop a segment."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from ingest.events import CallStarted, TranscriptSegment
from ingest.storage import CallStore, StoreBusy
from tests.support.waiting import wait_until

# Takes the write lock, writes a row, says so, and commits only when told to.
HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO call_events (call_id, kind, payload, at) VALUES ('c1', 'note', '{}', 1)")
print("locked", flush=True)
sys.stdin.readline()
db.execute("COMMIT")
print("released", flush=True)
"""


class LockHolder:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def release(self) -> None:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(b"go\n")
        await self.process.stdin.drain()
        assert await self.process.stdout.readline() == b"released\n"
        assert await self.process.wait() == 0


@pytest.fixture
async def hold_write_lock() -> AsyncIterator[Callable[[Path], asyncio.Future[LockHolder]]]:
    processes: list[asyncio.subprocess.Process] = []

    async def start(path: Path) -> LockHolder:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            HOLDER,
            str(path),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        processes.append(process)
        assert process.stdout is not None
        assert await process.stdout.readline() == b"locked\n"
        return LockHolder(process)

    yield start  # type: ignore[misc]
    for process in processes:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def wait_for_log(caplog: pytest.LogCaptureFixture, text: str) -> None:
    await wait_until(
        lambda: any(text in record.getMessage() for record in caplog.records),
        message=f"the log line {text!r}",
    )


async def test_add_segment_waits_for_another_writer_then_succeeds(
    db_path: Path,
    make_segment: Callable[..., TranscriptSegment],
    hold_write_lock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="ingest.storage")
    # A short SQLite busy timeout so our own retry loop is what waits.
    store = await CallStore.open(db_path, busy_timeout_s=0.05, lock_wait_s=60)
    try:
        await store.start_call(CallStarted("c1", "twilio"))
        holder = await hold_write_lock(db_path)
        adding = asyncio.ensure_future(store.add_segment(make_segment("c1", text="still here")))
        await wait_for_log(caplog, "database is locked by another writer")
        assert not adding.done()
        await holder.release()
        stored = await adding
        assert stored.id is not None
        assert await store.list_segments("c1") == [stored]
        call = await store.get_call("c1")
        assert call is not None and call.segment_count == 1
        # The other process's write landed too.
        assert [e["kind"] for e in await store.list_call_events("c1")] == ["note"]
        await wait_for_log(caplog, "database lock cleared")
    finally:
        await store.close()


async def test_sqlite_busy_timeout_alone_also_rides_out_a_short_lock(
    db_path: Path, make_segment: Callable[..., TranscriptSegment], hold_write_lock
) -> None:
    store = await CallStore.open(db_path)  # default: SQLite waits 5 s per attempt
    try:
        await store.start_call(CallStarted("c1", "twilio"))
        holder = await hold_write_lock(db_path)
        adding = asyncio.ensure_future(store.add_segment(make_segment("c1")))
        # How long the other writer holds its lock: the scenario, not a synchronisation.
        # (Nothing observable tells that SQLite is inside its busy wait.)
        await asyncio.sleep(0.3)
        assert not adding.done()
        await holder.release()
        stored = await adding
        assert await store.list_segments("c1") == [stored]
    finally:
        await store.close()


async def test_a_lock_held_past_the_bound_raises_instead_of_dropping(
    db_path: Path, make_segment: Callable[..., TranscriptSegment], hold_write_lock
) -> None:
    store = await CallStore.open(db_path, busy_timeout_s=0.05, lock_wait_s=0.5)
    try:
        await store.start_call(CallStarted("c1", "twilio"))
        holder = await hold_write_lock(db_path)
        with pytest.raises(StoreBusy, match="still locked"):
            await store.add_segment(make_segment("c1"))
        await holder.release()
        # The caller can retry once the lock is gone; nothing half-written remains.
        call = await store.get_call("c1")
        assert call is not None and call.segment_count == 0
        stored = await store.add_segment(make_segment("c1"))
        assert await store.list_segments("c1") == [stored]
    finally:
        await store.close()


async def test_reads_work_while_another_process_writes(
    db_path: Path, make_segment: Callable[..., TranscriptSegment], hold_write_lock
) -> None:
    store = await CallStore.open(db_path, busy_timeout_s=0.05, lock_wait_s=0.5)
    try:
        await store.start_call(CallStarted("c1", "twilio"))
        holder = await hold_write_lock(db_path)
        # WAL: readers are never blocked by the writer.
        assert [c.call_id for c in await store.list_calls()] == ["c1"]
        assert await store.list_call_events("c1") == []
        await holder.release()
    finally:
        await store.close()
