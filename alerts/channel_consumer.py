"""One channel of a `callmon alerts` process: read its group, deliver, record, acknowledge.

For each entry, in this order:

1. decode it; a malformed entry is logged and dead-lettered (acknowledged);
2. below the channel's minimum level: acknowledged, nothing sent;
3. already recorded as delivered, failed or dropped for (alert, channel) in
   the store (another dispatcher finished it before dying, or an in-process
   worker sent it): acknowledged, not sent again;
4. handed out more than `max_deliveries` times (it keeps killing or stalling
   its dispatchers): stored as failed, dead-lettered;
5. otherwise sent with the usual timeout and retries; the outcome is stored,
   and only then the entry is acknowledged (a failure is also dead-lettered).

If storing fails the entry is left pending and is taken over again later.
Delivery is at least once: a dispatcher killed after a channel accepted the
alert but before the outcome was stored leaves the entry pending, and the
survivor sends it again. Resend deduplicates that by its Idempotency-Key
(``alert-{id}``); Slack and SMTP have no such key, so the window is the time
between the channel's answer and the store's commit (milliseconds).
"""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from alerts.config import NotifySettings
from alerts.dispatcher import attempt_delivery
from alerts.levels import at_least
from alerts.notifiers.base import Notifier
from alerts.store import AlertStore, Delivery
from alerts.stream import AlertGroup, StreamEntry
from ingest.event_codec import EventDecodeError, decode_event
from ingest.events import AlertRaised
from ingest.log_limits import RateLimitedLog
from ingest.retry import backoff_delays
from ingest.tasks import spawn

log = logging.getLogger(__name__)
malformed = RateLimitedLog(log)

SETTLED = frozenset({"delivered", "failed", "dropped"})
"""Delivery statuses that end an alert's delivery on a channel."""
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
RECONNECT_FIRST_S, RECONNECT_CAP_S = 0.5, 30.0
BLOCK_CAP_MS = 2000
"""Longest blocking read: well inside the client's socket timeout."""
FORGET_CONSUMERS_AFTER_S = 600.0
"""Consumers silent this long with nothing pending are removed from the group
(dead dispatchers would otherwise pile up in XINFO CONSUMERS)."""


class ChannelConsumer:
    def __init__(
        self, group: AlertGroup, notifier: Notifier, store: AlertStore, settings: NotifySettings
    ) -> None:
        self.group = group
        self.notifier = notifier
        self._store = store
        self._settings = settings
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self.dead_letters = 0
        """Dead-letter count of the channel as last seen (every dispatcher's)."""
        # How often stalled entries are looked for; the blocking read waits no
        # longer than this, so a survivor notices a dead dispatcher in time.
        self._claim_every_s = min(max(settings.claim_idle_s / 2, 0.05), 5.0)

    async def run(self, started: asyncio.Event) -> None:
        """Consume until cancelled, riding out Redis outages; `started` is set once
        the group exists."""
        delays = backoff_delays(RECONNECT_FIRST_S, RECONNECT_CAP_S)
        while True:
            try:
                await self.group.ensure(self._settings.replay_s)
                started.set()
                delays = backoff_delays(RECONNECT_FIRST_S, RECONNECT_CAP_S)
                await self._consume()
            except REDIS_DOWN as error:
                delay = next(delays)
                log.warning("%s: Redis unavailable (%s); retrying in %.1f s", self.group.group, error, delay)
                await asyncio.sleep(delay)
            except ResponseError as error:
                # NOGROUP: Redis lost the group (restarted without its data); make it again.
                delay = next(delays)
                log.warning("%s: Redis refused (%s); starting over in %.1f s", self.group.group, error, delay)
                await asyncio.sleep(delay)
            except Exception:  # a consumer that dies leaves its channel undelivered here
                # uvloop reports a write to a transport the peer closed as
                # RuntimeError, which is no redis error: start over as after an outage.
                delay = next(delays)
                log.exception(
                    "%s: consuming failed unexpectedly; starting over in %.1f s", self.group.group, delay
                )
                await asyncio.sleep(delay)

    async def close(self, grace_s: float) -> None:
        """Give deliveries in flight `grace_s` to finish; the rest stay pending in
        Redis and are taken over by another dispatcher."""
        tasks = list(self._in_flight.values())
        if tasks and grace_s > 0:
            await asyncio.wait(tasks, timeout=grace_s)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _consume(self) -> None:
        loop = asyncio.get_running_loop()
        keeper = spawn(self._keep_alive(), name=f"keep {self.group.group} deliveries")
        next_claim = 0.0
        block_ms = max(1, min(int(self._claim_every_s * 1000), BLOCK_CAP_MS))
        try:
            while True:
                room = await self._room()
                entries: list[StreamEntry] = []
                if loop.time() >= next_claim:
                    idle_ms = int(self._settings.claim_idle_s * 1000)
                    entries = await self.group.claim_stale(idle_ms, room)
                    if self.group.claim_pass_done:
                        next_claim = loop.time() + self._claim_every_s
                        await self._forget_dead_consumers()
                if not entries:
                    entries = await self.group.read_new(room, block_ms)
                for entry in entries:
                    self._start(entry)
        finally:
            keeper.cancel()

    async def _room(self) -> int:
        """Free delivery slots, waiting for one when all are busy: a dispatcher takes
        no more entries than it can work on, leaving the rest to the others."""
        self._forget_finished()
        while len(self._in_flight) >= self._settings.concurrency:
            await asyncio.wait(list(self._in_flight.values()), return_when=asyncio.FIRST_COMPLETED)
            self._forget_finished()
        return self._settings.concurrency - len(self._in_flight)

    def _forget_finished(self) -> None:
        for entry_id in [entry_id for entry_id, task in self._in_flight.items() if task.done()]:
            del self._in_flight[entry_id]

    def _start(self, entry: StreamEntry) -> None:
        self._forget_finished()
        if entry.id in self._in_flight:
            return  # our own, still being worked on
        self._in_flight[entry.id] = spawn(self._handle(entry), name=f"{self.group.group} {entry.id}")

    async def _keep_alive(self) -> None:
        while True:
            # Four refreshes per idle time: a busy process must miss three in a
            # row before a peer may take its deliveries.
            await asyncio.sleep(self._settings.claim_idle_s / 4)
            self._forget_finished()
            try:
                await self.group.keep(list(self._in_flight))
            except RedisError as error:
                log.warning("%s: could not refresh deliveries in flight: %s", self.group.group, error)

    async def _forget_dead_consumers(self) -> None:
        forgotten = await self.group.forget_idle_consumers(
            max(FORGET_CONSUMERS_AFTER_S, 10 * self._settings.claim_idle_s)
        )
        if forgotten:
            log.info("%s: removed silent consumers %s", self.group.group, ", ".join(forgotten))

    async def _handle(self, entry: StreamEntry) -> None:
        try:
            await self._settle(entry)
        except RedisError as error:
            log.warning(
                "%s: entry %s stays pending (Redis: %s); it will be taken over",
                self.group.group,
                entry.id,
                error,
            )
        except Exception:
            # Most likely the store: nothing is acknowledged, so nothing is lost.
            log.exception("%s: entry %s stays pending; it will be taken over", self.group.group, entry.id)

    async def _settle(self, entry: StreamEntry) -> None:
        alert = self._decode(entry)
        if alert is None:
            await self._dead_letter(entry, "not a valid AlertRaised")
            return
        if not at_least(alert.level, self.notifier.min_level):
            await self.group.ack(entry.id)
            return
        channel = self.notifier.name
        previous = await self._delivery(alert.id)
        if previous is not None and previous.status in SETTLED:
            log.info("alert %s was already %s on %s; not sent again", alert.id, previous.status, channel)
            await self.group.ack(entry.id)
            return
        if entry.deliveries > self._settings.max_deliveries:
            reason = f"given up: handed to dispatchers {entry.deliveries} times without an outcome"
            attempts = previous.attempts if previous is not None else 0
            await self._store.record_delivery(alert.id, channel, "failed", attempts, reason)
            await self._dead_letter(entry, reason)
            return

        async def note_retry(attempt: int, problem: str) -> None:
            try:
                await self._store.record_delivery(alert.id, channel, "retrying", attempt, problem)
            except Exception:
                log.exception("could not record the retry of alert %s on %s", alert.id, channel)

        if not await self.group.holds(entry.id):
            # This process stalled (a starved event loop) and a peer took the entry over:
            # it sends, not us. Narrows the duplicate window to this check and the send.
            log.info("entry %s (alert %s) was taken over by another dispatcher", entry.id, alert.id)
            return
        log.info("alert %s (%s) on call %s -> %s", alert.id, alert.level, alert.call_id, channel)
        outcome = await attempt_delivery(self.notifier, alert, self._settings, note_retry)
        await self._store.record_delivery(
            alert.id, channel, outcome.status, outcome.attempts, outcome.error, outcome.delivered_at
        )
        if outcome.status == "failed":
            await self._dead_letter(entry, outcome.error or "failed")
        else:
            await self.group.ack(entry.id)

    def _decode(self, entry: StreamEntry) -> AlertRaised | None:
        if entry.data is None:
            malformed.warning(
                "no event field", "%s: entry %s has no alert in it", self.group.stream, entry.id
            )
            return None
        try:
            event = decode_event(entry.data)
        except EventDecodeError as error:
            malformed.warning(
                error.reason, "%s: entry %s is malformed: %s", self.group.stream, entry.id, error
            )
            return None
        if not isinstance(event, AlertRaised):
            malformed.warning("not an alert", "%s: entry %s is a %s", self.group.stream, entry.id, event.type)
            return None
        return event

    async def _delivery(self, alert_id: str) -> Delivery | None:
        deliveries = await self._store.list_deliveries(alert_id)
        return next((d for d in deliveries if d.channel == self.notifier.name), None)

    async def _dead_letter(self, entry: StreamEntry, reason: str) -> None:
        self.dead_letters = await self.group.dead_letter(entry, reason)
        log.warning(
            "%s: dead-lettered entry %s (%s); %d in %s",
            self.group.group,
            entry.id,
            reason,
            self.dead_letters,
            self.group.dead_letters,
        )
