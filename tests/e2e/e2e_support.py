"""Helpers for the end-to-end tests."""

from __future__ import annotations

import asyncio

from ingest.events import CallSummary
from ingest.storage import CallStore


async def wait_for_end(store: CallStore, call_id: str, timeout: float = 180.0) -> CallSummary:
    """The call's stored row once it has ended (generous timeout: recognition takes a while)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        summary = await store.get_call(call_id)
        if summary is not None and summary.status == "ended":
            return summary
        await asyncio.sleep(0.2)
    raise AssertionError(f"call {call_id} did not end within {timeout} s: {await store.get_call(call_id)}")
