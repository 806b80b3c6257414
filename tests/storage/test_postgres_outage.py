"""PostgreSQL going away under a live worker: a restart or failover in the middle of
a call loses no segment and stores none twice."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest

from ingest.events import CallStarted, TranscriptSegment
from ingest.storage import CallStore
from ingest.storage.rows import segment_values
from ingest.storage.segments_postgres import add_segment_postgresql
from tests.support.postgres import PostgresServer, running_postgres
from tests.support.waiting import wait_until

Make = Callable[..., TranscriptSegment]


@pytest.fixture
def own_server() -> Iterator[PostgresServer]:
    """A cluster of this test's own: it is stopped and started under the store."""
    with running_postgres() as server:
        yield server


async def test_segments_written_across_a_server_restart_are_all_stored_once(
    own_server: PostgresServer, make_segment: Make
) -> None:
    store = await CallStore.open(own_server.create_database())
    calls = [f"c{n}" for n in range(6)]
    try:
        for call_id in calls:
            await store.start_call(CallStarted(call_id, "twilio"))
        written: list[int] = []

        async def keep_writing(call_id: str) -> None:
            for index in range(40):
                segment = make_segment(
                    call_id, start=index * 2.0, end=index * 2.0 + 1.5, text=f"line {index}"
                )
                written.append((await store.add_segment(segment)).id or -1)

        # Six calls writing without pause: some statements are in flight when it stops.
        writers = [asyncio.create_task(keep_writing(call_id)) for call_id in calls]
        await wait_until(lambda: len(written) >= 30, timeout=60, message="the first segments")
        # The server stops (every session ended, as an administrator's shutdown or a
        # failover does) and comes back while segments keep arriving.
        await asyncio.to_thread(own_server.stop_server, "fast")
        await asyncio.sleep(1.0)
        await asyncio.to_thread(own_server.start_server)
        await asyncio.wait_for(asyncio.gather(*writers), timeout=120)

        for call_id in calls:
            stored = await store.list_segments(call_id)
            assert sorted(s.start for s in stored) == [index * 2.0 for index in range(40)], call_id
            call = await store.get_call(call_id)
            assert call is not None and call.segment_count == 40
        assert len(set(written)) == len(calls) * 40
    finally:
        await store.close()


async def test_a_segment_retried_after_its_commit_is_not_stored_twice(
    postgres_url: str, make_segment: Make
) -> None:
    """The commit landed but the acknowledgement was lost with the connection: the
    retry finds the segment instead of inserting it again."""
    store = await CallStore.open(postgres_url)
    try:
        await store.start_call(CallStarted("c1", "twilio"))
        segment = make_segment("c1", start=4.0, end=5.0, text="hello")
        first = await store.add_segment(segment)
        async with store.database.connection() as db:  # type: ignore[union-attr]
            again = await add_segment_postgresql(
                db, segment, segment_values(segment), placeholder_source="twilio", retry=True
            )
        assert again == first.id
        assert len(await store.list_segments("c1")) == 1
    finally:
        await store.close()
