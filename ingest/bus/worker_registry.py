"""Which ingest workers are alive, kept in Redis.

Each worker registers its id in the ``workers`` set and keeps a key
``workers:alive:{id}`` with a TTL of `HEARTBEATS_TO_EXPIRY` heartbeats,
refreshed every heartbeat. As for the per-call alive keys of the bus, the TTL
runs on Redis's clock, so workers on several machines need no synchronised
clocks: a worker is dead when it is registered (or owns calls in the store) and
its key has expired.

Ending a dead worker's calls must happen once, by one survivor: the survivors
race for a Redis lock per dead worker (redis-py's `Lock`: ``SET NX PX`` with a
token, released only by its holder). A worker that restarts takes its own lock
while it recovers its calls, so a survivor never ends calls a restarted worker
is already taking back.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable

import redis
import redis.asyncio as aioredis
from redis.asyncio.lock import Lock
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from ingest.bus.redis_bus import HEARTBEATS_TO_EXPIRY

log = logging.getLogger(__name__)

WORKERS = "workers"
"""The set of worker ids that have joined (a dead one stays until it is reaped)."""


def worker_alive_key(worker_id: str) -> str:
    return f"{WORKERS}:alive:{worker_id}"


def reaping_lock_key(worker_id: str) -> str:
    return f"{WORKERS}:reaping:{worker_id}"


class WorkerRegistry:
    """This worker's entry in Redis and what it can see of the others.

    Every method raises redis-py's errors when Redis cannot be reached; the
    caller (`ingest.pipeline.fleet`) decides what an outage means."""

    def __init__(
        self,
        url: str,
        worker_id: str,
        *,
        heartbeat_s: float,
        timeout_s: float = 2.0,
        lock_timeout_s: float = 120.0,
    ) -> None:
        self.worker_id = worker_id
        self.heartbeat_s = heartbeat_s
        self.alive_ttl_ms = max(1, int(heartbeat_s * HEARTBEATS_TO_EXPIRY * 1000))
        self._lock_timeout_s = lock_timeout_s
        self._url = url
        self._timeout_s = timeout_s
        # No client-side retries: the heartbeat loop is the retry.
        self._client = aioredis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, retry=Retry(NoBackoff(), 0)
        )
        self._heartbeat: Heartbeat | None = None

    async def beat(self) -> bool:
        """Refresh this worker's alive key and registration. False when the key had
        expired meanwhile (survivors may have ended this worker's calls)."""
        pipe = self._client.pipeline(transaction=False)
        pipe.set(worker_alive_key(self.worker_id), b"1", px=self.alive_ttl_ms, get=True)
        pipe.sadd(WORKERS, self.worker_id)
        previous, _ = await pipe.execute()
        return previous is not None

    def start_heartbeat(self) -> None:
        """Beat every `heartbeat_s` from now on (until `leave()`), from a thread."""
        if self._heartbeat is None:
            self._heartbeat = Heartbeat(self, self._url, self._timeout_s)
            self._heartbeat.start()

    async def registered(self) -> set[str]:
        members = await self._client.smembers(WORKERS)
        return {member.decode() if isinstance(member, bytes) else member for member in members}

    async def alive(self, worker_ids: Iterable[str]) -> set[str]:
        """Those of `worker_ids` whose alive key has not expired."""
        ids = sorted(set(worker_ids))
        if not ids:
            return set()
        beats = await self._client.mget([worker_alive_key(worker_id) for worker_id in ids])
        return {worker_id for worker_id, beat in zip(ids, beats, strict=True) if beat is not None}

    async def others_alive(self) -> set[str]:
        return await self.alive(await self.registered() - {self.worker_id})

    def reaping_lock(self, worker_id: str, *, wait_s: float | None = None) -> Lock:
        """The lock held by whoever ends `worker_id`'s calls (that worker itself, at
        start). `wait_s` None: `acquire()` does not wait."""
        return self._client.lock(
            reaping_lock_key(worker_id),
            timeout=self._lock_timeout_s,
            blocking=wait_s is not None,
            blocking_timeout=wait_s,
        )

    async def deregister(self, worker_id: str) -> None:
        await self._client.srem(WORKERS, worker_id)

    async def leave(self) -> None:
        """A clean stop: this worker's calls are ended, nobody needs to reap it."""
        if self._heartbeat is not None:
            await asyncio.to_thread(self._heartbeat.stop)
            self._heartbeat = None
        pipe = self._client.pipeline(transaction=False)
        pipe.delete(worker_alive_key(self.worker_id))
        pipe.srem(WORKERS, self.worker_id)
        await pipe.execute()

    async def close(self) -> None:
        if self._heartbeat is not None:
            await asyncio.to_thread(self._heartbeat.stop)
            self._heartbeat = None
        try:
            await asyncio.wait_for(self._client.aclose(), 5)
        except (TimeoutError, OSError) as error:
            log.debug("closing the worker registry's redis connection: %s", error)


class Heartbeat:
    """This worker's beat, from a thread of its own with a blocking Redis client.

    A worker under overload runs its event loop seconds late; a beat on that
    loop would miss its TTL and survivors would end the calls of a worker that
    is still taking them. A thread keeps beating as long as the process runs
    (the GIL hands it a turn every few milliseconds); a process that is killed,
    or a host that is gone, stops beating."""

    def __init__(self, registry: WorkerRegistry, url: str, timeout_s: float) -> None:
        self._registry = registry
        self._client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"worker {registry.worker_id} heartbeat", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        self._client.close()

    def _run(self) -> None:
        registry = self._registry
        beaten = False
        while not self._stopping.is_set():
            try:
                pipe = self._client.pipeline(transaction=False)
                pipe.set(worker_alive_key(registry.worker_id), b"1", px=registry.alive_ttl_ms, get=True)
                pipe.sadd(WORKERS, registry.worker_id)
                previous, _ = pipe.execute()
                if previous is None and beaten:
                    log.error(
                        "worker %s missed its heartbeats long enough to be presumed dead: "
                        "other workers may have ended its live calls",
                        registry.worker_id,
                    )
                beaten = True
                pause = registry.heartbeat_s
            except (RedisError, OSError) as error:
                log.warning("worker heartbeat failed: %s", error)
                # Try again soon: three missed beats and the others take this worker for dead.
                pause = registry.heartbeat_s / 4
            self._stopping.wait(pause)
