"""`RedisBus`: events over Redis pub/sub, history in streams, active calls in a hash.

Active calls carry a heartbeat: beside each ``calls:active`` hash entry the
worker that owns the call keeps a per-call key ``calls:active:alive:{id}`` with
a TTL of three heartbeats and refreshes it every `heartbeat_s`. Per-call keys
with a TTL (rather than a sorted set of last-beat times) let Redis's own clock
expire them, so workers and dashboards need no synchronised clocks. A reader
keeps only entries whose key is alive and deletes the rest: a worker killed with
-9 takes its calls off every wallboard within ~3 heartbeats. The alive key is
always written before the hash entry, so a reader never sees a new call without
its key.

Redis is a convenience, not the record (SQLite is), so an outage must never
stall the pipeline: `publish` does no I/O while Redis is known to be down,
pub/sub messages are dropped (fire-and-forget), and history-stream entries and
active-hash changes wait in a bounded outbox that is written out, in order,
when a background task finds Redis back.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ingest.bus.base import BusUnavailable
from ingest.bus.channels import (
    ACTIVE_CALLS,
    ALERT_STREAM,
    STREAM_FIELD,
    ActiveCallChange,
    active_call_change,
    active_summaries,
    alert_stream_entry,
    encode,
    history_entry,
    history_events,
    history_stream,
    messages_for,
)
from ingest.bus.subscription import Subscription
from ingest.events import CallEnded, CallSummary, Event
from ingest.retry import backoff_delays
from ingest.tasks import spawn

log = logging.getLogger(__name__)

CLOSE_WAIT_S = 5.0
"""How long `close` waits for its tasks and connections: shutting down must not hang on a
Redis that went away and came back (a test teardown once waited for ever after a restart)."""
PUMP_RETRY_S = 1.0
"""A subscription that broke in an unexpected way is made again after this long."""

HEARTBEATS_TO_EXPIRY = 3
"""A call's alive key outlives this many missed heartbeats."""


def alive_key(call_id: str) -> str:
    """The per-call key whose TTL says the owning worker is still alive."""
    return f"{ACTIVE_CALLS}:alive:{call_id}"


# What "Redis is unreachable" looks like; anything else is a bug or bad data.
TRANSPORT_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError)


@dataclass(frozen=True, slots=True)
class RedisWrite:
    """One durable write (history or active hash), replayable after an outage."""

    command: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


class RedisBus:
    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 1.0,
        max_backoff_s: float = 5.0,
        history_limit: int = 5000,
        history_ttl_s: int = 86400,
        outbox_limit: int = 20000,
        max_queued: int = 1000,
        heartbeat_s: float = 5.0,
        alert_stream_limit: int = 10000,
    ) -> None:
        # No client-side retries: a retry loop with backoff inside publish is
        # exactly the stall we must avoid; our reconnect task does the waiting.
        self._client = aioredis.Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=10,
        )
        kwargs = self._client.connection_pool.connection_kwargs
        self._where = f"{kwargs.get('host', kwargs.get('path', '?'))}:{kwargs.get('port', '')}"
        self._timeout_s = timeout_s
        self._max_backoff_s = max_backoff_s
        self._history_limit = history_limit
        self._history_ttl_s = history_ttl_s
        self._alert_stream_limit = alert_stream_limit
        self._outbox_limit = outbox_limit
        self._max_queued = max_queued
        self._outbox: deque[RedisWrite] = deque()
        self._outbox_dropped = 0
        self._down = False
        self._up = asyncio.Event()
        self._up.set()
        self._reconnecting: asyncio.Task[None] | None = None
        self._recoveries = 0
        """Outages ended so far: a subscriber that polls `health()` sees an outage
        shorter than its polling interval too (pub/sub lost its messages)."""
        self._pumps: set[asyncio.Task[None]] = set()
        self._subscriptions: set[Subscription] = set()
        self._heartbeat_s = heartbeat_s
        self._alive_ttl_ms = max(1, int(heartbeat_s * HEARTBEATS_TO_EXPIRY * 1000))
        # The calls this process made active: call_id -> its latest encoded summary.
        self._own_live: dict[str, bytes] = {}
        self._heartbeat: asyncio.Task[None] | None = None
        self._closed = False

    # ---------------------------------------------------------------- publish

    async def publish(self, event: Event) -> None:
        if self._closed:
            log.debug("bus closed; not publishing %s", event.type)
            return
        messages = [(channel, encode(payload)) for channel, payload in messages_for(event)]
        writes = self._durable_writes(event)
        if self._down:
            self._stash(writes)
            return
        try:
            async with asyncio.timeout(self._timeout_s):
                pipe = self._client.pipeline(transaction=False)
                for channel, data in messages:
                    pipe.publish(channel, data)
                for write in writes:
                    getattr(pipe, write.command)(*write.args, **write.kwargs)
                results = await pipe.execute(raise_on_error=False)
        except TRANSPORT_ERRORS as error:
            self._stash(writes)
            self._went_down(error)
            return
        _log_command_errors(results, f"publishing {event.type}")

    def _durable_writes(self, event: Event) -> list[RedisWrite]:
        writes: list[RedisWrite] = []
        entry = history_entry(event)
        if entry is not None:
            stream = history_stream(entry["call_id"])
            writes.append(
                RedisWrite(
                    "xadd",
                    (stream, {"event": encode(entry)}),
                    {"maxlen": self._history_limit, "approximate": True},
                )
            )
            if isinstance(event, CallEnded):
                writes.append(RedisWrite("expire", (stream, self._history_ttl_s)))
        alert = alert_stream_entry(event)
        if alert is not None:
            # Durable like history: an alert raised during an outage waits in the
            # outbox and reaches the notification dispatchers when Redis is back.
            writes.append(
                RedisWrite(
                    "xadd",
                    (ALERT_STREAM, {STREAM_FIELD: encode(alert)}),
                    {"maxlen": self._alert_stream_limit, "approximate": True},
                )
            )
        change = active_call_change(event)
        if change is not None:
            writes.extend(self._active_writes(change))
        return writes

    def _active_writes(self, change: ActiveCallChange) -> list[RedisWrite]:
        """The hash entry and its alive key; remembers the call for the heartbeat."""
        key = alive_key(change.call_id)
        if change.summary is None:
            self._own_live.pop(change.call_id, None)
            return [RedisWrite("hdel", (ACTIVE_CALLS, change.call_id)), RedisWrite("delete", (key,))]
        summary = encode(change.summary)
        if not (change.only_if_absent and change.call_id in self._own_live):
            self._own_live[change.call_id] = summary
        self._start_heartbeat()
        command = "hsetnx" if change.only_if_absent else "hset"
        return [
            RedisWrite("set", (key, b"1"), {"px": self._alive_ttl_ms}),
            RedisWrite(command, (ACTIVE_CALLS, change.call_id, summary)),
        ]

    def _start_heartbeat(self) -> None:
        if self._heartbeat is None and not self._closed:
            self._heartbeat = spawn(self._beat_forever(), name="redis-bus active-call heartbeat")

    async def _beat_forever(self) -> None:
        while not self._closed:
            await asyncio.sleep(self._heartbeat_s)
            if self._own_live and not self._down:
                try:
                    await self._beat()
                except Exception as error:
                    # One refused command (or uvloop's RuntimeError on a closed
                    # transport) must not end the heartbeat: without it every live
                    # call of this worker would leave the wallboards.
                    log.error("refreshing active calls failed: %r", error)

    async def _beat(self) -> None:
        """Refresh every own live call's alive key; put back a hash entry that a
        reader removed while this worker could not reach Redis."""
        pipe = self._client.pipeline(transaction=False)
        for call_id, summary in self._own_live.items():
            pipe.set(alive_key(call_id), b"1", px=self._alive_ttl_ms)
            pipe.hsetnx(ACTIVE_CALLS, call_id, summary)
        try:
            async with asyncio.timeout(self._timeout_s):
                results = await pipe.execute(raise_on_error=False)
        except TRANSPORT_ERRORS as error:
            self._went_down(error)
            return
        _log_command_errors(results, "refreshing active calls")

    def _stash(self, writes: list[RedisWrite]) -> None:
        self._outbox.extend(writes)
        while len(self._outbox) > self._outbox_limit:
            self._outbox.popleft()
            self._outbox_dropped += 1
            if self._outbox_dropped == 1:
                log.warning(
                    "redis outbox full (%d writes): dropping the oldest history entries",
                    self._outbox_limit,
                )

    # -------------------------------------------------------- outage handling

    def _went_down(self, error: BaseException) -> None:
        if self._closed:
            return
        if not self._down:
            self._down = True
            self._up.clear()
            log.warning(
                "redis at %s is unreachable (%s); live updates are dropped and history "
                "is kept in memory until it is back",
                self._where,
                error or type(error).__name__,
            )
        if self._reconnecting is None or self._reconnecting.done():
            self._reconnecting = spawn(self._reconnect(), name="redis-bus reconnect")

    async def _reconnect(self) -> None:
        delays = backoff_delays(0.05, self._max_backoff_s)
        while not self._closed:
            await asyncio.sleep(next(delays))
            try:
                async with asyncio.timeout(self._timeout_s):
                    await self._client.ping()
                flushed = await self._flush_outbox()
            except TRANSPORT_ERRORS as error:
                log.debug("redis at %s still unreachable: %s", self._where, error)
                continue
            except Exception as error:
                # Not a transport error but no way back either: a reconnect task that
                # died would leave the bus down for good (nothing else respawns it).
                log.error("reconnecting to redis at %s failed: %r; trying again", self._where, error)
                continue
            # No await between the outbox running empty and this: publishers
            # cannot slip an entry in that would be written out of order.
            self._down = False
            self._recoveries += 1
            self._up.set()
            dropped, self._outbox_dropped = self._outbox_dropped, 0
            log.info(
                "redis at %s is reachable again; wrote %d stored updates%s",
                self._where,
                flushed,
                f" ({dropped} oldest were dropped)" if dropped else "",
            )
            return

    async def _flush_outbox(self) -> int:
        flushed = 0
        while self._outbox:
            batch = [self._outbox.popleft() for _ in range(min(500, len(self._outbox)))]
            try:
                async with asyncio.timeout(self._timeout_s * 5):
                    pipe = self._client.pipeline(transaction=False)
                    for write in batch:
                        getattr(pipe, write.command)(*write.args, **write.kwargs)
                    results = await pipe.execute(raise_on_error=False)
            except BaseException:
                self._outbox.extendleft(reversed(batch))  # retried on the next attempt
                raise
            _log_command_errors(results, "writing stored updates")
            flushed += len(batch)
        return flushed

    # -------------------------------------------------------------- subscribe

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[Subscription]:
        subscription = Subscription(channels, max_queued=self._max_queued)
        subscribed = asyncio.Event()
        pump = spawn(self._pump(subscription, subscribed), name=f"redis-bus subscribe {channels}")
        self._pumps.add(pump)
        self._subscriptions.add(subscription)
        try:
            try:
                async with asyncio.timeout(self._timeout_s * 3):
                    await subscribed.wait()
            except TimeoutError:
                log.warning("subscribed to %s before redis answered; messages start when it does", channels)
            yield subscription
        finally:
            subscription.close()
            pump.cancel()
            _, stuck = await asyncio.wait([pump], timeout=CLOSE_WAIT_S)
            if stuck:
                log.warning("a redis subscription to %s did not stop within %.0f s", channels, CLOSE_WAIT_S)
            self._pumps.discard(pump)
            self._subscriptions.discard(subscription)

    async def _pump(self, subscription: Subscription, subscribed: asyncio.Event) -> None:
        """Move messages from Redis into `subscription`, resubscribing after outages,
        until the subscription or the bus is closed. The loop checks for that itself:
        a cancellation that a Redis read turned into a timeout or a connection error
        must not leave a pump resubscribing for ever after its bus is gone."""
        while not (self._closed or subscription.closed):
            pubsub = self._client.pubsub()
            try:
                await self._subscribe(pubsub, subscription)
                subscribed.set()
                subscription.live.set()
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None and message["type"] == "message":
                        subscription.deliver(message["channel"].decode(), message["data"])
            except TRANSPORT_ERRORS as error:
                self._went_down(error)
            except RedisError as error:
                log.error("subscription to %s failed: %s", subscription.channels, error)
            except Exception as error:  # a pump that dies leaves its subscribers silent for good
                # uvloop reports a write to a transport the peer closed as
                # RuntimeError ("the handler is closed"), not ConnectionError.
                log.error("subscription to %s broke (%r); resubscribing", subscription.channels, error)
                await asyncio.sleep(PUMP_RETRY_S)
            finally:
                subscription.live.clear()
                await self._close_pubsub(pubsub)
            if self._closed or subscription.closed:
                return
            # Wait for the reconnect task to see Redis back, then resubscribe.
            await self._up.wait()
            await asyncio.sleep(0.05)

    async def _close_pubsub(self, pubsub: aioredis.client.PubSub) -> None:
        """Close a subscription's connection, at most `timeout_s` and never raising:
        after an outage its socket may be half dead, and the pump (or the bus's
        close) must not wait on it or die of it."""
        try:
            async with asyncio.timeout(self._timeout_s):
                await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves PubSub.aclose unannotated
        except TimeoutError:
            log.warning("a redis subscription's connection did not close within %.1f s", self._timeout_s)
        except Exception as error:  # closing a broken connection may fail in any way
            log.info("a redis subscription's connection failed to close cleanly: %r", error)

    async def _subscribe(self, pubsub: aioredis.client.PubSub, subscription: Subscription) -> None:
        """Subscribe and wait for Redis to confirm every channel, so nothing
        published after this returns is missed."""
        await pubsub.subscribe(*subscription.channels)
        waiting = set(subscription.channels)
        async with asyncio.timeout(self._timeout_s * 3):
            while waiting:
                message = await pubsub.get_message(timeout=self._timeout_s)
                if message is None:
                    continue
                channel = message["channel"].decode()
                if message["type"] == "subscribe":
                    waiting.discard(channel)
                elif message["type"] == "message":
                    subscription.deliver(channel, message["data"])

    # ------------------------------------------------------------------ reads

    async def active_calls(self) -> dict[str, CallSummary]:
        """The calls whose worker still beats; entries of dead workers are removed."""
        raw = await self._query(self._client.hgetall(ACTIVE_CALLS), "read active calls")
        if not raw:
            return {}
        call_ids = [call_id.decode() for call_id in raw]
        alive = await self._query(
            self._client.mget([alive_key(call_id) for call_id in call_ids]), "read active-call heartbeats"
        )
        dead = [call_id for call_id, beat in zip(call_ids, alive, strict=True) if beat is None]
        if dead:
            log.info("%d active calls have no heartbeat (their worker died); removing them", len(dead))
            await self._query(self._client.hdel(ACTIVE_CALLS, *dead), "remove dead active calls")
        gone = set(dead)
        return active_summaries(
            (call_id, data)
            for call_id, data in zip(call_ids, raw.values(), strict=True)
            if call_id not in gone
        )

    async def history(self, call_id: str, limit: int = 1000) -> list[Event]:
        if limit <= 0:
            return []
        newest_first = await self._query(
            self._client.xrevrange(history_stream(call_id), count=limit), "read call history"
        )
        return history_events(call_id, (fields[b"event"] for _, fields in reversed(newest_first)))

    async def _query(self, command: Any, what: str) -> Any:
        if self._down:
            command.close()  # never awaited: avoid the "coroutine was never awaited" warning
            raise BusUnavailable(f"cannot {what}: redis at {self._where} is down")
        try:
            async with asyncio.timeout(self._timeout_s):
                return await command
        except TRANSPORT_ERRORS as error:
            self._went_down(error)
            raise BusUnavailable(f"cannot {what}: redis at {self._where} is unreachable") from error

    def health(self) -> dict[str, Any]:
        return {
            "kind": "redis",
            "status": "down" if self._down else "ok",
            "where": self._where,
            "outbox": len(self._outbox),
            "subscribers": len(self._subscriptions),
            "recoveries": self._recoveries,
        }

    async def close(self) -> None:
        self._closed = True
        for subscription in self._subscriptions:
            subscription.close()
        background = [self._reconnecting, self._heartbeat]
        tasks = [*self._pumps, *(task for task in background if task is not None)]
        for task in tasks:
            task.cancel()
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=CLOSE_WAIT_S)
            if stuck:
                names = ", ".join(sorted(task.get_name() for task in stuck))
                log.warning("closing the redis bus: %s did not stop within %.0f s", names, CLOSE_WAIT_S)
        if self._outbox:
            log.warning("closing the redis bus with %d unwritten history updates", len(self._outbox))
        try:
            await asyncio.wait_for(self._client.aclose(), CLOSE_WAIT_S)
        except TimeoutError:
            log.warning("closing the redis bus: the client did not close within %.0f s", CLOSE_WAIT_S)


def _log_command_errors(results: list[Any], what: str) -> None:
    for result in results:
        if isinstance(result, Exception):
            log.error("redis refused a command while %s: %s", what, result)
