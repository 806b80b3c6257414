"""Helpers for the end-to-end tests."""

from __future__ import annotations

from ingest.events import CallSummary
from ingest.storage import CallStore
from tests.support.waiting import wait_until


async def wait_for_end(store: CallStore, call_id: str, timeout: float = 180.0) -> CallSummary:
    """The call's stored row once it has ended (generous timeout: recognition takes a while)."""

    async def ended() -> CallSummary | None:
        summary = await store.get_call(call_id)
        return summary if summary is not None and summary.status == "ended" else None

    return await wait_until(ended, timeout=timeout, interval=0.2, message=f"call {call_id} to end")
