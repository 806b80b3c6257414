"""Waiting out another writer: SQLite allows one at a time.

``busy_timeout`` makes SQLite itself wait a little; when that runs out we back
off and try the whole transaction again for a bounded but generous time, so a
long checkpoint or a backup never costs an accepted segment.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ingest.retry import backoff_delays

log = logging.getLogger(__name__)
T = TypeVar("T")


class StoreBusy(sqlite3.OperationalError):
    """The database stayed locked by another writer for longer than we wait."""


def is_busy_error(error: BaseException) -> bool:
    if not isinstance(error, sqlite3.OperationalError):
        return False
    message = str(error).lower()
    return "locked" in message or "busy" in message


async def retry_while_busy(attempt: Callable[[], Awaitable[T]], *, what: str, limit_s: float) -> T:
    """Run `attempt` until it does not fail with a busy/locked error, or until
    `limit_s` has passed (then raise `StoreBusy`)."""
    deadline = time.monotonic() + limit_s
    delays = backoff_delays(0.05, 1.0)
    warned = False
    while True:
        try:
            result = await attempt()
        except sqlite3.OperationalError as error:
            if not is_busy_error(error):
                raise
            delay = next(delays)
            if time.monotonic() + delay > deadline:
                raise StoreBusy(f"{what}: database still locked after {limit_s:.0f} s") from error
            if not warned:
                log.warning("%s: database is locked by another writer; retrying", what)
                warned = True
            await asyncio.sleep(delay)
            continue
        if warned:
            log.info("%s: database lock cleared", what)
        return result
