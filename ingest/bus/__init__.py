"""Distribution of stored events: Redis between processes, memory within one."""

from __future__ import annotations

from ingest.bus.base import Bus, BusUnavailable
from ingest.bus.channels import channels_for, messages_for
from ingest.bus.memory import MemoryBus
from ingest.bus.redis_bus import RedisBus


def open_bus(redis_url: str | None, *, heartbeat_s: float = 5.0, alert_stream_limit: int = 10000) -> Bus:
    """A `RedisBus` for a ``redis://`` / ``rediss://`` / ``unix://`` URL, else a `MemoryBus`.

    Connects lazily: Redis being down at start-up is an outage like any other.
    A malformed URL raises ValueError at once. `heartbeat_s`: how often the
    worker refreshes its active calls in Redis (they expire after three missed).
    `alert_stream_limit`: about how many raised alerts ``alerts:stream`` keeps.
    """
    if redis_url:
        return RedisBus(redis_url, heartbeat_s=heartbeat_s, alert_stream_limit=alert_stream_limit)
    return MemoryBus()


__all__ = [
    "Bus",
    "BusUnavailable",
    "MemoryBus",
    "RedisBus",
    "channels_for",
    "messages_for",
    "open_bus",
]
