"""The helpers the bus (and every retry loop) leans on: rate-limited warnings, backoff."""

from __future__ import annotations

import itertools
import logging

import pytest

from ingest.log_limits import RateLimitedLog
from ingest.retry import backoff_delay, backoff_delays


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_line_per_reason_per_interval_and_the_rest_counted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="test.limits")
    clock = FakeClock()
    limited = RateLimitedLog(logging.getLogger("test.limits"), interval_s=60.0, clock=clock)
    written = [limited.warning("bad json", "bad message %d", n) for n in range(100)]
    assert written == [True] + [False] * 99
    assert limited.warning("unknown type", "other kind") is True  # each reason has its own budget
    clock.now += 59.9
    assert limited.warning("bad json", "still bad") is False
    clock.now += 0.2
    assert limited.warning("bad json", "bad again") is True
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "bad message 0",
        "other kind",
        "bad again (and 100 more like this in the last 60 s)",
    ]
    assert limited.total == {"bad json": 102, "unknown type": 1}
    assert limited.suppressed == {}


def test_backoff_doubles_up_to_the_cap_and_stays_there() -> None:
    assert list(itertools.islice(backoff_delays(0.05, 1.0), 7)) == [0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    assert list(itertools.islice(backoff_delays(0.5), 4)) == [0.5, 1.0, 2.0, 4.0]
    assert [backoff_delay(n, 0.25, 4.0) for n in range(6)] == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0]
    with pytest.raises(ValueError):
        backoff_delay(-1, 1.0)


def test_a_capped_schedule_never_overflows() -> None:
    delays = backoff_delays(0.05, 5.0)
    assert list(itertools.islice(delays, 5000))[-1] == 5.0
