"""`MemoryBus`: the bus inside one process (``callmon run`` without Redis)."""

from __future__ import annotations

import logging
from collections import OrderedDict, defaultdict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from ingest.bus.channels import (
    active_call_change,
    active_summaries,
    encode,
    history_entry,
    history_events,
    messages_for,
)
from ingest.bus.subscription import Subscription
from ingest.events import CallSummary, Event

log = logging.getLogger(__name__)


class MemoryBus:
    """Same contract as `RedisBus`, with everything kept in this process.

    History is kept for the `history_calls` most recently active calls, at
    most `history_limit` events each, so a long-running worker stays bounded.
    """

    def __init__(
        self, *, max_queued: int = 1000, history_limit: int = 5000, history_calls: int = 500
    ) -> None:
        self._max_queued = max_queued
        self._history_limit = history_limit
        self._history_calls = history_calls
        self._subscribers: defaultdict[str, set[Subscription]] = defaultdict(set)
        self._history: OrderedDict[str, deque[bytes]] = OrderedDict()
        self._active: dict[str, bytes] = {}

    async def publish(self, event: Event) -> None:
        for channel, payload in messages_for(event):
            subscribers = self._subscribers.get(channel)
            if subscribers:
                data = encode(payload)
                for subscription in subscribers:
                    subscription.deliver(channel, data)
        entry = history_entry(event)
        if entry is not None:
            self._remember(entry["call_id"], encode(entry))
        change = active_call_change(event)
        if change is not None:
            if change.summary is None:
                self._active.pop(change.call_id, None)
            elif not (change.only_if_absent and change.call_id in self._active):
                self._active[change.call_id] = encode(change.summary)

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[Subscription]:
        subscription = Subscription(channels, max_queued=self._max_queued)
        for channel in channels:
            self._subscribers[channel].add(subscription)
        subscription.live.set()  # in-process: no outage can come between
        try:
            yield subscription
        finally:
            subscription.close()
            for channel in channels:
                self._subscribers[channel].discard(subscription)
                if not self._subscribers[channel]:
                    del self._subscribers[channel]

    async def active_calls(self) -> dict[str, CallSummary]:
        return active_summaries(self._active.items())

    async def history(self, call_id: str, limit: int = 1000) -> list[Event]:
        entries = self._history.get(call_id, ())
        return history_events(call_id, list(entries)[-limit:]) if limit > 0 else []

    def health(self) -> dict[str, Any]:
        subscriptions = {s for subs in self._subscribers.values() for s in subs}
        return {"kind": "memory", "status": "ok", "subscribers": len(subscriptions)}

    async def close(self) -> None:
        for subscriptions in self._subscribers.values():
            for subscription in subscriptions:
                subscription.close()

    def _remember(self, call_id: str, data: bytes) -> None:
        entries = self._history.get(call_id)
        if entries is None:
            entries = self._history[call_id] = deque(maxlen=self._history_limit)
        self._history.move_to_end(call_id)
        entries.append(data)
        while len(self._history) > self._history_calls:
            forgotten, _ = self._history.popitem(last=False)
            log.debug("forgetting the bus history of call %s", forgotten)
