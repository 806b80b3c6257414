"""The enricher writing into callmon's real CallStore (SQLite), fed by the real MariaDB."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vicidial_testkit import SHORT_FOLLOW_UP, MariaDB

from ingest.events import CallEnded, CallStarted, CallSummary
from ingest.storage import CallStore
from tests.support.waiting import wait_until
from vicidial import CallEnricher, ViciDialDirectory, encode_call_uuid


async def _stored_call_once(store: CallStore, call_id: str, ready: Any) -> CallSummary:
    async def ready_summary() -> CallSummary | None:
        summary = await store.get_call(call_id)
        return summary if summary is not None and ready(summary) else None

    return await wait_until(ready_summary, message=f"call {call_id} to become ready")


async def test_metadata_lands_on_the_stored_call_even_when_the_row_comes_later(
    mariadb: MariaDB, tmp_path: Path
) -> None:
    store = await CallStore.open(tmp_path / "callmon.db")
    directory = ViciDialDirectory(mariadb.settings())

    refused: list[str] = []

    async def update_call(call_id: str, fields: Mapping[str, Any]) -> None:
        try:
            await store.update_call(call_id, **fields)
        except KeyError:
            refused.append(call_id)
            raise

    enricher = CallEnricher(
        directory, update_call, retry_delays=(0,) + (0.1,) * 50, after_call_delay=0.05, **SHORT_FOLLOW_UP
    )
    call_id = encode_call_uuid("1716916000.5200")
    try:
        # The pipeline may tell the enricher before the store has written the row.
        enricher.on_call_started(call_id, {"leg": "mixed"})
        await wait_until(lambda: refused, message="the enricher to find no row to update yet")
        await store.start_call(CallStarted(call_id, "audiosocket", metadata={"leg": "mixed"}))

        summary = await _stored_call_once(store, call_id, lambda s: s.agent is not None)
        assert (summary.agent, summary.agent_name, summary.caller_number) == (
            "6002",
            "Tom Becker",
            "8475550100",
        )
        assert (summary.campaign, summary.in_group) == ("OUTSALES", "CLOSERS")
        assert summary.metadata["leg"] == "mixed"
        assert summary.metadata["vicidial_uniqueid"] == "1716916000.5200"
        assert summary.metadata["lead_id"] == "100320"

        enricher.on_call_ended(call_id)
        await store.end_call(CallEnded(call_id, "hangup"))
        await wait_until(
            lambda: call_id not in enricher.following, message="the enricher to let go of the call"
        )
        ended = await store.get_call(call_id)
        assert ended is not None and ended.status == "ended" and ended.agent_name == "Tom Becker"
    finally:
        await enricher.close()
        await directory.close()
        await store.close()
