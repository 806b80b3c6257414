"""Delivering alerts to notifiers in the background, never in the caller's way.

Each channel has its own queue and worker task: `submit()` only enqueues, so a
slow, hanging or failing channel delays neither the pipeline nor the other
channels. Each attempt is bounded by a timeout; failures are retried with
exponential backoff, and every outcome is recorded in the store.

This is the single-process path (no Redis). With Redis, `callmon alerts`
dispatchers read the alert stream instead (`alerts.consumer`), with the same
`attempt_delivery()`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from alerts.config import NotifySettings
from alerts.levels import at_least
from alerts.notifiers.base import DeliveryError, Notifier
from alerts.store import AlertStore
from ingest.events import AlertRaised, now
from ingest.retry import backoff_delay
from ingest.tasks import spawn

log = logging.getLogger(__name__)
NoteRetry = Callable[[int, str], Awaitable[None]]
"""Told (attempt number, problem) after each failed attempt that will be retried."""


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """How the delivery of one alert on one channel ended."""

    status: Literal["delivered", "failed"]
    attempts: int
    error: str | None
    delivered_at: float | None


def call_link(dashboard_url: str, call_id: str) -> str:
    """Where a notification sends its reader: the call's page on the dashboard."""
    return f"{dashboard_url.rstrip('/')}/calls/{quote(call_id, safe='')}"


class NotificationDispatcher:
    def __init__(self, notifiers: list[Notifier], store: AlertStore, settings: NotifySettings) -> None:
        self._notifiers = notifiers
        self._store = store
        self._settings = settings
        self._queues: dict[str, asyncio.Queue[AlertRaised]] = {}
        self._workers: list[asyncio.Task[None]] = []

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(notifier.name for notifier in self._notifiers)

    def submit(self, alert: AlertRaised) -> None:
        """Queue `alert` for every channel whose minimum level it reaches; returns at once."""
        self._start()
        for notifier in self._notifiers:
            if not at_least(alert.level, notifier.min_level):
                continue
            try:
                self._queues[notifier.name].put_nowait(alert)
            except asyncio.QueueFull:
                log.error("%s queue is full: alert %s not sent there", notifier.name, alert.id)
                spawn(
                    self._record(alert.id, notifier.name, "dropped", 0, "queue full"),
                    name=f"record dropped {alert.id}",
                )

    async def drain(self) -> None:
        """Wait until every queued alert has been delivered or given up on."""
        await asyncio.gather(*(queue.join() for queue in self._queues.values()))

    async def close(self, grace_s: float = 5.0) -> None:
        """Let queued deliveries finish for up to `grace_s`, then stop the workers."""
        if self._workers and grace_s > 0:
            try:
                await asyncio.wait_for(self.drain(), grace_s)
            except TimeoutError:
                log.warning("notifications still pending at shutdown are abandoned")
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers.clear()
        self._queues.clear()

    def _start(self) -> None:
        if self._workers or not self._notifiers:
            return
        for notifier in self._notifiers:
            queue: asyncio.Queue[AlertRaised] = asyncio.Queue(self._settings.queue_size)
            self._queues[notifier.name] = queue
            self._workers.append(spawn(self._work(notifier, queue), name=f"notify {notifier.name}"))

    async def _work(self, notifier: Notifier, queue: asyncio.Queue[AlertRaised]) -> None:
        while True:
            alert = await queue.get()
            try:
                await self._deliver(notifier, alert)
            except Exception:
                log.exception("delivering alert %s to %s failed unexpectedly", alert.id, notifier.name)
            finally:
                queue.task_done()

    async def _deliver(self, notifier: Notifier, alert: AlertRaised) -> None:
        async def note_retry(attempt: int, problem: str) -> None:
            await self._record(alert.id, notifier.name, "retrying", attempt, problem)

        outcome = await attempt_delivery(notifier, alert, self._settings, note_retry)
        await self._record(
            alert.id, notifier.name, outcome.status, outcome.attempts, outcome.error, outcome.delivered_at
        )

    async def _record(
        self, alert_id: str, channel: str, status: str, attempts: int,
        last_error: str | None, delivered_at: float | None = None,
    ) -> None:  # fmt: skip
        try:
            await self._store.record_delivery(alert_id, channel, status, attempts, last_error, delivered_at)
        except Exception:
            # Losing the delivery record must not stop the channel's worker.
            log.exception("could not record %s delivery of alert %s", channel, alert_id)


async def attempt_delivery(
    notifier: Notifier, alert: AlertRaised, settings: NotifySettings, note_retry: NoteRetry
) -> DeliveryOutcome:
    """Send `alert` on `notifier`, each attempt bounded by the timeout, retried with
    backoff; `note_retry` hears of each failed attempt that will be retried. Recording
    the outcome is the caller's: the in-process queues and the stream consumer differ
    in what a failed record means."""
    link = call_link(settings.dashboard_url, alert.call_id)
    attempts = 1 + settings.retries
    attempt = 1
    while True:
        try:
            await asyncio.wait_for(notifier.send(alert, link), settings.timeout_s)
        except Exception as error:  # any failure of a channel is retried, then reported
            problem = _describe(error, settings.timeout_s)
            if attempt >= attempts:
                log.warning("alert %s not delivered to %s: %s", alert.id, notifier.name, problem)
                return DeliveryOutcome("failed", attempt, problem, None)
            log.info("alert %s to %s, attempt %d failed: %s", alert.id, notifier.name, attempt, problem)
            await note_retry(attempt, problem)
            await asyncio.sleep(backoff_delay(attempt - 1, settings.backoff_s))
            attempt += 1
        else:
            return DeliveryOutcome("delivered", attempt, None, now())


def _describe(error: BaseException, timeout_s: float) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout_s:g} s"
    if isinstance(error, DeliveryError):
        return str(error)  # already says which channel failed and how
    message = str(error) or type(error).__name__
    return message if type(error).__name__ in message else f"{type(error).__name__}: {message}"
