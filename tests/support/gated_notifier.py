"""A stand-in for a notification endpoint (Slack's webhook, Resend's API) that holds
every request behind a gate, and counts a notification delivered only when it
answered it to a sender that was still there to hear the answer.

That distinction is what makes a kill -9 of a dispatcher deterministic: the
killed sender's requests reached the endpoint but were never answered, so
nobody (neither the sender nor this endpoint) counts them as delivered, and the
surviving dispatcher must deliver them again, exactly once.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class GatedNotifier:
    url: str = ""
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: list[Any] = field(default_factory=list)
    """Every request body, answered or not."""
    answered: list[Any] = field(default_factory=list)
    """Bodies answered 200 to a sender whose connection was still open: delivered."""
    waiting: list[web.Request] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")
        self.arrived.append(body)
        self.waiting.append(request)
        try:
            await self.gate.wait()
        finally:
            self.waiting.remove(request)
        if _sender_gone(request):
            # Nobody hears this answer: not a delivery (the sender was killed).
            return web.Response(status=503, text="sender gone")
        self.answered.append(body)
        return web.Response(status=200, text="ok")

    def abandoned_waiting(self) -> int:
        """Requests held at the gate whose sender has hung up (was killed)."""
        return sum(1 for request in self.waiting if _sender_gone(request))

    def answered_keys(self) -> Counter[str]:
        """How often each distinct notification was delivered (its body, canonically)."""
        return Counter(json.dumps(body, sort_keys=True) for body in self.answered)


def _sender_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


@asynccontextmanager
async def gated_notifier() -> AsyncIterator[GatedNotifier]:
    """A GatedNotifier on a free 127.0.0.1 port, gate closed; released and stopped on exit."""
    notifier = GatedNotifier()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", notifier.handle)
    # Client disconnects must not cancel handlers: the gate decides, and counts.
    runner = web.AppRunner(app, shutdown_timeout=0.5, handler_cancellation=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    notifier.url = f"http://{host}:{port}"
    try:
        yield notifier
    finally:
        notifier.gate.set()
        await runner.cleanup()
