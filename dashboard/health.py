"""Is ingest, the bus (Redis) and the database reachable, and is ingest keeping
up? Probed in the background, so pages and `/healthz` read a recent answer
without waiting on a dead peer.

A component's state is ``ok``, or a short reason it is not that starts with
its level: ``amber: ...`` (working, but behind: transcripts lag the speech),
``red: ...`` (far behind) or ``down: ...`` (unreachable). Ingest's level and
reasons come from the worker's own `/healthz` (`ingest_report`), so the
dashboard never claims "all systems ok" while the worker says otherwise.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ingest.tasks import spawn

log = logging.getLogger(__name__)

LEVELS = ("ok", "amber", "red", "down")


@dataclass(frozen=True, slots=True)
class ProbeReport:
    state: str
    details: Mapping[str, Any] = field(default_factory=dict)
    """Figures worth showing beside the state (ingest: active calls, backlog)."""


Probe = Callable[[], Awaitable[str | ProbeReport]]
"""Returns "ok" or a short reason it is not (or a `ProbeReport`); raising counts as down."""
PROBE_TIMEOUT_S = 2.0


def level_of(state: str) -> str:
    """``ok``, ``amber``, ``red`` or ``down`` for a component state; a reason
    without a known level prefix counts as ``down``."""
    if state == "ok":
        return "ok"
    prefix = state.split(":", 1)[0].strip()
    return prefix if prefix in LEVELS else "down"


def ingest_report(health: Mapping[str, Any]) -> ProbeReport:
    """The ingest component's state from the worker's `health()` / `/healthz` body (pure).
    A body that is not what a worker sends is ``down``, never ``ok``."""
    status = health.get("status")
    if status not in ("ok", "amber", "red"):
        return ProbeReport(f"down: unexpected health status {str(status)[:40]!r}")
    details = {key: health[key] for key in ("active_calls", "recognition", "engine") if key in health}
    if status == "ok":
        return ProbeReport("ok", details)
    problems = [str(p) for p in health.get("problems", ()) if p] or ["recognition is behind"]
    return ProbeReport(f"{status}: " + "; ".join(problems), details)


class HealthMonitor:
    def __init__(self, probes: dict[str, Probe], *, interval_s: float = 5.0) -> None:
        self._probes = probes
        self._interval_s = interval_s
        self.components: dict[str, str] = {name: "unknown" for name in probes}
        self.details: dict[str, Mapping[str, Any]] = {name: {} for name in probes}
        self.checked_at: float | None = None
        self._listeners: set[Callable[[], None]] = set()
        self._task: asyncio.Task[None] | None = None

    @property
    def ok(self) -> bool:
        return all(state == "ok" for state in self.components.values())

    @property
    def level(self) -> str:
        """The worst component's level: ``ok``, ``amber``, ``red`` or ``down``."""
        return max((level_of(state) for state in self.components.values()), key=LEVELS.index, default="ok")

    def snapshot(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "degraded",
            "level": self.level,
            "components": dict(self.components),
            "details": {name: dict(d) for name, d in self.details.items() if d},
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
        states = {name: report.state for name, report in zip(names, results, strict=True)}
        details = {name: report.details for name, report in zip(names, results, strict=True)}
        states_changed, details_changed = states != self.components, details != self.details
        self.components, self.details, self.checked_at = states, details, time.time()
        if states_changed:
            for name, state in states.items():
                if state != "ok":
                    log.warning("dashboard health: %s is %s", name, state)
        if states_changed or details_changed:
            for listener in list(self._listeners):
                try:
                    listener()
                except Exception:
                    log.exception("a health listener failed")
        return states

    async def _run(self, name: str) -> ProbeReport:
        try:
            result = await asyncio.wait_for(self._probes[name](), PROBE_TIMEOUT_S)
        except TimeoutError:
            return ProbeReport("down: no answer")
        except Exception as error:
            return ProbeReport(f"down: {type(error).__name__}: {error}"[:200])
        return result if isinstance(result, ProbeReport) else ProbeReport(result)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            await self.check()
