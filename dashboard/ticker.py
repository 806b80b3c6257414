"""The cadence shared models run on: their pages, and a tick that flushes changes.

The wallboard and the alert inbox each keep one model for every open page and
send what changed at a fixed cadence (`TICK_S` in their modules), instead of
updating every page on every event. This is the part they share: the pages
listening, a ticker that starts with the first page, telling each page (one
failing page never stops the others), and stopping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Generic, TypeVar

from ingest.tasks import spawn

log = logging.getLogger(__name__)
T = TypeVar("T")


class Ticker(Generic[T]):
    """Calls `flush` every `tick_s` seconds once a listener has joined; `tell`
    hands a value to every listener."""

    def __init__(self, flush: Callable[[], object], tick_s: float, name: str) -> None:
        self.tick_s = tick_s
        self._flush = flush
        self._name = name
        self._listeners: set[Callable[[T], None]] = set()
        self._task: asyncio.Task[None] | None = None

    def listen(self, listener: Callable[[T], None]) -> Callable[[], None]:
        """Add `listener`; the returned function removes it."""
        self._listeners.add(listener)
        if self._task is None:
            self._task = spawn(self._tick(), name=self._name)
        return lambda: self._listeners.discard(listener)

    def tell(self, value: T) -> None:
        for listener in list(self._listeners):
            try:
                listener(value)
            except Exception:
                log.exception("a page failed on a %s tick", self._name)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            self._flush()
