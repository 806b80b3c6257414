"""Warnings about bad input, at most one line per reason per interval.

A broken producer can send thousands of bad messages a second; logging each
one would bury everything else (and cost more than the messages). The first
of a kind is logged at once, the rest are counted and the count is reported
with the next line that gets through.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any


class RateLimitedLog:
    def __init__(
        self,
        logger: logging.Logger,
        *,
        interval_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._interval_s = interval_s
        self._clock = clock
        self._last_logged: dict[str, float] = {}
        self.suppressed: dict[str, int] = {}
        """Per reason: lines not logged since the last one that was."""
        self.total: dict[str, int] = {}
        """Per reason: every occurrence, logged or not."""

    def warning(self, reason: str, message: str, *args: Any) -> bool:
        """Log ``message % args`` unless `reason` was logged less than the
        interval ago; True when the line was written."""
        self.total[reason] = self.total.get(reason, 0) + 1
        now = self._clock()
        last = self._last_logged.get(reason)
        if last is not None and now - last < self._interval_s:
            self.suppressed[reason] = self.suppressed.get(reason, 0) + 1
            return False
        self._last_logged[reason] = now
        skipped = self.suppressed.pop(reason, 0)
        if skipped:
            message += " (and %d more like this in the last %.0f s)"
            args = (*args, skipped, now - (last or now))
        self._logger.warning(message, *args)
        return True
