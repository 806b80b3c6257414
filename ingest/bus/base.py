"""The bus interface: how stored events reach the alert engine and dashboards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, AsyncContextManager, Protocol

from ingest.events import Event


class BusUnavailable(RuntimeError):
    """The bus cannot answer a query right now (Redis is down)."""


class Bus(Protocol):
    """Publish events; subscribe to channels; read active calls and per-call history.

    Messages a subscriber receives are the published payloads (an event's
    `to_dict()`, or a ``SentimentPoint``) with a ``channel`` key added.
    """

    async def publish(self, event: Event) -> None:
        """Send `event` to its channels; never raises because the transport failed."""
        ...

    def subscribe(self, *channels: str) -> AsyncContextManager[AsyncIterator[dict[str, Any]]]:
        """``async with bus.subscribe("calls:events") as messages: async for m in messages``.
        Exact channel names; the subscription is live once the block is entered."""
        ...

    async def active_calls(self) -> dict[str, dict[str, Any]]:
        """call_id -> CallSummary dict of calls in progress."""
        ...

    async def history(self, call_id: str, limit: int = 1000) -> list[dict[str, Any]]:
        """The call's latest `limit` events, oldest first."""
        ...

    def health(self) -> dict[str, Any]:
        """``{"kind": "memory"|"redis", "status": "ok"|"down", ...}`` for health endpoints."""
        ...

    async def close(self) -> None: ...
