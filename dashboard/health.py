"""Is ingest, the bus (Redis) and the database reachable? Probed in the background,
so pages and `/healthz` read a recent answer without waiting on a dead peer."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ingest.tasks import spawn

log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[str]]
"""Returns "ok" or a short reason it is not; raising counts as down."""
PROBE_TIMEOUT_S = 2.0


class HealthMonitor:
    def __init__(self, probes: dict[str, Probe], *, interval_s: float = 5.0) -> None:
        self._probes = probes
        self._interval_s = interval_s
        self.components: dict[str, str] = {name: "unknown" for name in probes}
        self.checked_at: float | None = None
        self._listeners: set[Callable[[], None]] = set()
        self._task: asyncio.Task[None] | None = None

    @property
    def ok(self) -> bool:
        return all(state == "ok" for state in self.components.values())

    def snapshot(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "degraded",
            "components": dict(self.components),
            "checked_at": self.checked_at,
        }

    def listen(self, listener: Callable[[], None]) -> Callable[[], None]:
        """`listener()` runs whenever some component's state changes."""
        self._listeners.add(listener)
        return lambda: self._listeners.discard(listener)

    async def start(self) -> None:
        await self.check()
        self._task = spawn(self._loop(), name="dashboard-health")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def check(self) -> dict[str, str]:
        names = list(self._probes)
        results = await asyncio.gather(*(self._run(name) for name in names))
        states = dict(zip(names, results))
        changed = states != self.components
        self.components, self.checked_at = states, time.time()
        if changed:
            for name, state in states.items():
                if state != "ok":
                    log.warning("dashboard health: %s is %s", name, state)
            for listener in list(self._listeners):
                try:
                    listener()
                except Exception:
                    log.exception("a health listener failed")
        return states

    async def _run(self, name: str) -> str:
        try:
            return await asyncio.wait_for(self._probes[name](), PROBE_TIMEOUT_S)
        except TimeoutError:
            return "down: no answer"
        except Exception as error:
            return f"down: {type(error).__name__}: {error}"[:200]

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            await self.check()
