"""A call-event sink that keeps what adapters deliver, for adapter tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ingest.events import CallEnded, CallEvent
from tests.support.waiting import HANG_GUARD_S


class CollectingSink:
    """A `CallEventSink` that keeps every event; `wait_for` blocks until a condition holds."""

    def __init__(self) -> None:
        self.events: list[CallEvent] = []
        self._changed = asyncio.Event()

    def submit(self, event: CallEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def for_call(self, call_id: str) -> list[CallEvent]:
        return [event for event in self.events if event.call_id == call_id]

    async def wait_for(self, condition: Callable[[list[CallEvent]], bool]) -> list[CallEvent]:
        """Wake on each new event (no polling) until `condition(events)` holds."""

        async def wait() -> None:
            while not condition(self.events):
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(wait(), HANG_GUARD_S)
        except TimeoutError:
            raise AssertionError(
                f"gave up after {HANG_GUARD_S:g} s; events so far: {[type(e).__name__ for e in self.events]}"
            ) from None
        return self.events

    async def wait_call_ended(self, call_id: str) -> list[CallEvent]:
        await self.wait_for(
            lambda events: any(isinstance(e, CallEnded) and e.call_id == call_id for e in events)
        )
        return self.for_call(call_id)
