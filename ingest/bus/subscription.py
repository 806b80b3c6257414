"""A subscriber's bounded inbox: a slow reader loses its oldest messages, never
slows the publisher down. Messages are decoded into their event dataclasses on
the way out; one that is malformed or of an unknown type is logged (rate
limited) and skipped, so a bad producer cannot crash a subscriber."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator

from ingest.bus.channels import undecodable
from ingest.event_codec import EventDecodeError, decode_event
from ingest.events import Event

log = logging.getLogger(__name__)


class Subscription:
    """Async iterator over the events published on some channels.

    ``async for event in subscription`` gives the events; `deliveries()` gives
    ``(channel, event)`` pairs for readers that care which channel it came by.
    """

    def __init__(self, channels: tuple[str, ...], *, max_queued: int) -> None:
        if not channels:
            raise ValueError("subscribe() needs at least one channel")
        self.channels = channels
        self._max_queued = max_queued
        self._queue: deque[tuple[str, bytes] | None] = deque()  # None marks the end
        self._wakeup = asyncio.Event()
        self._closed = False
        self.dropped = 0
        self.skipped = 0
        """Messages that could not be decoded into an event."""
        self.live = asyncio.Event()
        """Set while the bus delivers to this subscription; cleared during an outage
        (messages published then are lost to it), set again once it is resubscribed.
        A reader that reloads state after an outage waits for it first, or a message
        published between its reload and the resubscription would be lost."""

    def deliver(self, channel: str, data: bytes) -> None:
        """Queue one encoded message (called by the bus; never blocks)."""
        if self._closed:
            return
        if len(self._queue) >= self._max_queued:
            self._queue.popleft()
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning(
                    "subscriber to %s is too slow: dropped %d oldest message(s) so far",
                    ", ".join(self.channels),
                    self.dropped,
                )
        self._queue.append((channel, data))
        self._wakeup.set()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """End iteration once the messages already queued are read."""
        if not self._closed:
            self._closed = True
            self._queue.append(None)
            self._wakeup.set()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        _, event = await self._next()
        return event

    async def deliveries(self) -> AsyncIterator[tuple[str, Event]]:
        while True:
            try:
                yield await self._next()
            except StopAsyncIteration:
                return

    async def _next(self) -> tuple[str, Event]:
        while True:
            while not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
            item = self._queue.popleft()
            if item is None:
                self._queue.appendleft(None)  # stay ended for later reads
                raise StopAsyncIteration
            channel, data = item
            try:
                return channel, decode_event(data)
            except EventDecodeError as error:
                self.skipped += 1
                undecodable.warning(error.reason, "skipping a bus message on %s: %s", channel, error)
