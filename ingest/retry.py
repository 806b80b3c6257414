"""Exponential backoff: the one schedule every retry loop in callmon waits on.

Redis reconnects, alert deliveries, the alert dispatcher's subscription,
SQLite lock waits and the HTTP translation engines all wait
``first, first*2, first*4, ...``, each wait capped; only the numbers differ.
The loops themselves stay where they are, because what counts as "try again"
(a transport error, a busy database, HTTP 429, a record to write per attempt)
is different every time.
"""

from __future__ import annotations

from collections.abc import Iterator


def backoff_delay(attempt: int, first_s: float, cap_s: float | None = None) -> float:
    """The wait after failed attempt number `attempt` (0 for the first failure):
    ``first_s * 2**attempt``, at most `cap_s`."""
    if attempt < 0:
        raise ValueError(f"attempt must be >= 0, not {attempt}")
    delay = first_s * 2.0**attempt
    return delay if cap_s is None else min(delay, cap_s)


def backoff_delays(first_s: float, cap_s: float | None = None) -> Iterator[float]:
    """The waits after each failure, endlessly: ``backoff_delay(0), backoff_delay(1), ...``.
    Once the cap is reached it is repeated (no overflow however long the outage)."""
    attempt = 0
    while True:
        delay = backoff_delay(attempt, first_s, cap_s)
        yield delay
        if cap_s is None or delay < cap_s:
            attempt += 1
