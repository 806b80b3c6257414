"""Bytes over Redis pub/sub, for point-to-point traffic that is not a bus event.

The bus (`ingest.bus.redis_bus`) carries encoded events and hides outages from
its publishers; the listen-in relay (`ingest.pipeline.listen_relay`) needs the
opposite: raw binary messages, the number of subscribers each PUBLISH reached
(0 means nobody listens any more), and errors it can see. This is that small
interface, plus a set-once key (a listen token spent anywhere in the fleet).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from ingest.bus.redis_bus import TRANSPORT_ERRORS

log = logging.getLogger(__name__)

CHANNEL_ERRORS = (*TRANSPORT_ERRORS, RedisError)
"""What a publish or a read may raise when Redis is unreachable or refuses."""


class RawSubscription:
    """Messages of one subscribed channel, oldest first."""

    def __init__(self, pubsub: aioredis.client.PubSub) -> None:
        self._pubsub = pubsub

    async def next(self, timeout_s: float) -> bytes | None:
        """The next message, or None when none came within `timeout_s`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while (left := deadline - loop.time()) > 0:
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            if message is not None and message["type"] == "message":
                data: bytes = message["data"]
                return data
        return None


class RawChannels:
    """Publish bytes to, and subscribe to, Redis channels. Every method raises one
    of `CHANNEL_ERRORS` when Redis cannot be reached; callers decide what it means."""

    def __init__(self, url: str, *, timeout_s: float = 1.0) -> None:
        # No client-side retries: a listen that cannot reach Redis ends, and a
        # retry loop would only hold a supervisor's socket open in silence.
        self._client = aioredis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, retry=Retry(NoBackoff(), 0)
        )
        self._timeout_s = timeout_s

    async def publish(self, channel: str, data: bytes) -> int:
        """Send `data`; the number of subscribers that received it."""
        async with asyncio.timeout(self._timeout_s):
            receivers: int = await self._client.publish(channel, data)
        return receivers

    async def claim(self, key: str, ttl_ms: int) -> bool:
        """Set `key` for `ttl_ms` unless it exists: True for the first claimer only."""
        async with asyncio.timeout(self._timeout_s):
            claimed = await self._client.set(key, b"1", px=max(1, ttl_ms), nx=True)
        return bool(claimed)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[RawSubscription]:
        """Subscribed (Redis has confirmed it) when the block is entered, so nothing
        published afterwards is missed."""
        pubsub = self._client.pubsub()
        try:
            await pubsub.subscribe(channel)
            async with asyncio.timeout(self._timeout_s * 3):
                while True:
                    message = await pubsub.get_message(timeout=self._timeout_s)
                    if message is not None and message["type"] == "subscribe":
                        break
            yield RawSubscription(pubsub)
        finally:
            try:
                await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves PubSub.aclose unannotated
            except CHANNEL_ERRORS as error:
                log.debug("closing a subscription to %s: %s", channel, error)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._client.aclose(), 5)
        except (*CHANNEL_ERRORS, TimeoutError) as error:
            log.debug("closing the relay's redis connection: %s", error)
