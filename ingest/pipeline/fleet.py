"""Several ingest workers on one store and one Redis: ownership, heartbeats, reaping.

Each call is owned by the worker that receives it (`calls.worker_id`). Every
worker beats in Redis (`ingest.bus.worker_registry`) and watches the others:

- heartbeat every H = CALLMON_ACTIVE_CALL_HEARTBEAT_S (5 s by default), from a
  thread, so a worker whose event loop runs late under overload is not taken
  for dead;
- a worker's alive key expires 3 H after its last beat (15 s);
- every survivor looks for expired workers every H, so one of them (the one
  that wins the reaping lock) ends a dead worker's calls as `interrupted` and
  publishes their ends at most ~4 H (20 s) plus the reaping itself after the
  death: within 30 s at the default H. The per-call alive keys of the bus
  expire on the same 3 H, so wallboards drop the calls at about the same time.

Candidates for "dead" are the registered workers and the owners of active
calls in the store, so calls of a worker that never comes back under the same
id are ended too.

At start a worker recovers only its own calls, and the calls owned by nobody
(stored by a single worker before ownership existed) only when no other worker
is alive. Without Redis there is no fleet and recovery is as before: every
active call was this process's.
"""

from __future__ import annotations

import asyncio
import logging
import socket

from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

from ingest.bus.redis_bus import TRANSPORT_ERRORS
from ingest.bus.worker_registry import WorkerRegistry
from ingest.events import CallSummary
from ingest.pipeline.recovery import interrupt_calls
from ingest.pipeline.services import PipelineServices
from ingest.tasks import spawn

log = logging.getLogger(__name__)

REDIS_PROBLEMS = (*TRANSPORT_ERRORS, RedisError)


def default_worker_id(audiosocket_port: int, http_port: int) -> str:
    """Stable across restarts of the same worker (same host, same ports), so a
    restarted worker takes back its own calls."""
    return f"{socket.gethostname()}-{audiosocket_port}-{http_port}"


class WorkerFleet:
    """This worker's membership: `join()` before accepting calls, `leave()` after
    the last one is stored."""

    def __init__(self, registry: WorkerRegistry, services: PipelineServices) -> None:
        self.registry = registry
        self.services = services
        self.reaped: list[str] = []
        """Dead workers whose calls this one ended (for logs and tests)."""
        self._tasks: list[asyncio.Task[None]] = []
        self._own_lock: Lock | None = None

    @property
    def worker_id(self) -> str:
        return self.registry.worker_id

    async def join(self) -> list[CallSummary]:
        """Beat once, start the heartbeat and the watcher, and return the active calls
        this worker must recover (only its own ones while Redis is unreachable).
        Holds this worker's reaping lock until `recovered()`, so no survivor ends
        the same calls meanwhile."""
        store = self.services.store
        try:
            await self.registry.beat()
            self._own_lock = self.registry.reaping_lock(self.worker_id, wait_s=60.0)
            if not await self._own_lock.acquire():
                log.warning("another worker is still ending calls of %s; recovering anyway", self.worker_id)
            others = await self.registry.others_alive()
        except REDIS_PROBLEMS as error:
            log.warning("redis unreachable while joining the fleet (%s): recovering only own calls", error)
            others = {"?"}
        self.registry.start_heartbeat()
        self._tasks = [spawn(self._watch_forever(), name=f"worker {self.worker_id} watcher")]
        calls = await store.active_calls_of(self.worker_id)
        if not others:
            calls += await store.active_calls_of(None)
        elif unowned := await store.active_calls_of(None):
            log.info(
                "%d active calls own no worker; left alone while %s are alive", len(unowned), sorted(others)
            )
        return calls

    async def recovered(self) -> None:
        """This worker's own calls are recovered: survivors may reap it again if it dies."""
        lock, self._own_lock = self._own_lock, None
        if lock is None:
            return
        try:
            await lock.release()
        except (LockError, *REDIS_PROBLEMS) as error:
            log.debug("releasing own reaping lock: %s", error)

    async def _watch_forever(self) -> None:
        while True:
            await asyncio.sleep(self.registry.heartbeat_s)
            try:
                await self.reap_dead_workers()
            except REDIS_PROBLEMS as error:
                log.warning("cannot look for dead workers: %s", error)
            except Exception:
                log.exception("looking for dead workers failed")

    async def reap_dead_workers(self) -> list[str]:
        """End the calls of every dead worker this one wins the lock for."""
        candidates = (await self.registry.registered() | await self.services.store.active_call_owners()) - {
            self.worker_id
        }
        dead = candidates - await self.registry.alive(candidates)
        reaped = [worker_id for worker_id in sorted(dead) if await self._reap(worker_id)]
        self.reaped.extend(reaped)
        return reaped

    async def _reap(self, dead_id: str) -> bool:
        lock = self.registry.reaping_lock(dead_id)
        if not await lock.acquire():
            return False  # another survivor is on it
        try:
            if await self.registry.alive([dead_id]):
                return False  # it came back (or was only slow) before we got the lock
            calls = await self.services.store.active_calls_of(dead_id)
            log.warning("worker %s is dead: ending its %d active calls as interrupted", dead_id, len(calls))
            await interrupt_calls(self.services, calls)
            await self.registry.deregister(dead_id)
            return True
        finally:
            try:
                await lock.release()
            except LockError as error:
                log.warning("the reaping lock of %s expired while its calls were ended: %s", dead_id, error)

    async def leave(self) -> None:
        """A clean stop, after the pipeline stored its last call."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        try:
            await self.registry.leave()
        except REDIS_PROBLEMS as error:
            log.warning("could not leave the worker registry: %s", error)
        await self.registry.close()
