"""Helpers shared by the Twilio adapter tests (a module name no other test folder uses)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ingest.events import AudioReceived, CallEnded, CallEvent, Speaker

# Only a guard against a hung test; no test depends on how fast anything is.
WAIT_S = 20.0


class CollectingSink:
    """A `CallEventSink` that keeps every event and wakes up waiters."""

    def __init__(self) -> None:
        self.events: list[CallEvent] = []
        self._changed = asyncio.Event()

    def submit(self, event: CallEvent) -> None:
        self.events.append(event)
        self._changed.set()

    async def wait_for(self, predicate: Callable[[list[CallEvent]], bool]) -> list[CallEvent]:
        async def poll() -> None:
            while not predicate(self.events):
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(poll(), WAIT_S)
        return self.events

    async def wait_call_ended(self, call_id: str) -> list[CallEvent]:
        await self.wait_for(
            lambda events: any(isinstance(e, CallEnded) and e.call_id == call_id for e in events)
        )
        return self.for_call(call_id)

    def for_call(self, call_id: str) -> list[CallEvent]:
        return [e for e in self.events if e.call_id == call_id]


def track_audio(events: list[CallEvent], speaker: Speaker) -> list[AudioReceived]:
    return [e for e in events if isinstance(e, AudioReceived) and e.speaker == speaker]
