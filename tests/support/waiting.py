"""Wait until a condition holds: how tests synchronise, instead of fixed sleeps.

The timeout is a guard against hangs, never a timing check: on a loaded
machine a condition may take long to become true, and a test must not fail
for that. It fails, with `message`, only when the condition never holds.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

HANG_GUARD_S = 60.0
"""Default deadline: generous, so only a real hang trips it."""
POLL_INTERVAL_S = 0.01

T = TypeVar("T")


async def wait_until(
    condition: Callable[[], T | Awaitable[T]],
    *,
    timeout: float = HANG_GUARD_S,
    interval: float = POLL_INTERVAL_S,
    message: str = "the condition",
) -> T:
    """Poll `condition` (plain or async) until it returns something truthy; return that.

    Raises AssertionError naming `message` (and the last value seen) when the
    deadline passes first.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result  # type: ignore[return-value]
        if loop.time() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {message} (last: {result!r})")
        await asyncio.sleep(interval)


def wait_until_sync(
    condition: Callable[[], T],
    *,
    timeout: float = HANG_GUARD_S,
    interval: float = POLL_INTERVAL_S,
    message: str = "the condition",
) -> T:
    """`wait_until` for code outside an event loop (server start-up, threads)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {message} (last: {result!r})")
        time.sleep(interval)
