"""Which event loop a callmon process runs on.

A Twilio call is 100 WebSocket messages a second, and at a few hundred calls
the loop's own bookkeeping (selector, callbacks, transports) is a large share
of a worker's CPU. uvloop runs that part in libuv; Python's loop stays
available (`CALLMON_EVENT_LOOP=asyncio`) for debugging (`PYTHONASYNCIODEBUG`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

import uvloop

T = TypeVar("T")

EventLoopName = Literal["uvloop", "asyncio"]


def loop_factory(name: EventLoopName) -> Callable[[], asyncio.AbstractEventLoop]:
    """A constructor of the named event loop."""
    return uvloop.new_event_loop if name == "uvloop" else asyncio.new_event_loop


def run(main: Coroutine[Any, Any, T], loop: EventLoopName = "uvloop") -> T:
    """`asyncio.run(main)` on the named event loop."""
    with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        return runner.run(main)
