"""Fixtures for bus tests: both bus kinds (Redis ones on a redis-server of the test's own).

`redis_server` and `unstarted_redis_server` come from tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from ingest.bus import Bus, MemoryBus, RedisBus
from ingest.events import TranscriptSegment
from tests.support.factories import make_segment

BusFactory = Callable[..., Awaitable[Bus]]


@pytest.fixture(params=["memory", "redis"])
async def make_bus(request: pytest.FixtureRequest) -> AsyncIterator[BusFactory]:
    """Builds buses of one kind (both kinds via parametrisation); closes them after."""
    buses: list[Bus] = []
    server = request.getfixturevalue("redis_server") if request.param == "redis" else None

    async def build(**options: object) -> Bus:
        bus: Bus = RedisBus(server.url, **options) if server else MemoryBus(**options)  # type: ignore[arg-type]
        buses.append(bus)
        return bus

    yield build
    for bus in buses:
        await bus.close()


@pytest.fixture
def segment() -> Callable[..., TranscriptSegment]:
    """A stored, negative caller segment with a keyword (what fans out on the most channels)."""

    def build(call_id: str = "c1", **fields: object) -> TranscriptSegment:
        values: dict[str, object] = {
            "start": 1.0,
            "end": 2.5,
            "text": "I want to cancel",
            "confidence": 0.8,
            "sentiment_score": -0.4,
            "sentiment_label": "negative",
            "keywords": ("cancel",),
            "rolling_sentiment": -0.2,
            "consecutive_negative": 1,
            "created_at": 1700000000.0,
            "id": 7,
        }
        values.update(fields)
        return make_segment(call_id, **values)

    return build
