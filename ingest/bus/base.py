"""The bus interface: how stored events reach the alert engine and dashboards."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from ingest.bus.subscription import Subscription
from ingest.events import CallSummary, Event


class BusUnavailable(RuntimeError):
    """The bus cannot answer a query right now (Redis is down)."""


class Bus(Protocol):
    """Publish events; subscribe to channels; read active calls and per-call history.

    A subscriber receives event dataclasses (decoded from the published
    `to_dict()`); malformed or unknown messages are logged and skipped.
    """

    async def publish(self, event: Event) -> None:
        """Send `event` to its channels; never raises because the transport failed."""
        ...

    def subscribe(self, *channels: str) -> AbstractAsyncContextManager[Subscription]:
        """``async with bus.subscribe("calls:events") as events: async for event in events``.
        Exact channel names; the subscription is live once the block is entered."""
        ...

    async def active_calls(self) -> dict[str, CallSummary]:
        """call_id -> summary of the calls in progress."""
        ...

    async def history(self, call_id: str, limit: int = 1000) -> list[Event]:
        """The call's latest `limit` events, oldest first."""
        ...

    def health(self) -> dict[str, Any]:
        """``{"kind": "memory"|"redis", "status": "ok"|"down", ...}`` for health endpoints."""
        ...

    async def close(self) -> None: ...
