"""The enricher writing into callmon's real CallStore (SQLite), fed by the real MariaDB."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vicidial_testkit import HANG_GUARD_S, SHORT_FOLLOW_UP, MariaDB

from ingest.events import CallEnded, CallStarted, CallSummary
from ingest.storage import CallStore
from vicidial import CallEnricher, ViciDialDirectory, encode_call_uuid


async def _stored_call_once(store: CallStore, call_id: str, ready: Any) -> CallSummary:
    deadline = asyncio.get_running_loop().time() + HANG_GUARD_S
    while True:
        summary = await store.get_call(call_id)
        if summary is not None and ready(summary):
            return summary
        assert asyncio.get_running_loop().time() < deadline, f"call {call_id} never became ready: {summary}"
        await asyncio.sleep(0.02)


async def test_metadata_lands_on_the_stored_call_even_when_the_row_comes_later(
    mariadb: MariaDB, tmp_path: Path
) -> None:
    store = await CallStore.open(tmp_path / "callmon.db")
    directory = ViciDialDirectory(mariadb.settings())

    async def update_call(call_id: str, fields: Mapping[str, Any]) -> None:
        await store.update_call(call_id, **fields)

    enricher = CallEnricher(
        directory, update_call, retry_delays=(0,) + (0.1,) * 50, after_call_delay=0.05, **SHORT_FOLLOW_UP
    )
    call_id = encode_call_uuid("1716916000.5200")
    try:
        # The pipeline may tell the enricher before the store has written the row.
        enricher.on_call_started(call_id, {"leg": "mixed"})
        await asyncio.sleep(0.2)
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
        while call_id in enricher.following:
            await asyncio.sleep(0.02)
        ended = await store.get_call(call_id)
        assert ended is not None and ended.status == "ended" and ended.agent_name == "Tom Becker"
    finally:
        await enricher.close()
        await directory.close()
        await store.close()
