"""Delivering alerts to notifiers in the background, never in the caller's way.

Each channel has its own queue and worker task: `submit()` only enqueues, so a
slow, hanging or failing channel delays neither the pipeline nor the other
channels. Each attempt is bounded by a timeout; failures are retried with
exponential backoff, and every outcome is recorded in the store.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import quote

from alerts.config import NotifySettings
from alerts.levels import at_least
from alerts.notifiers.base import DeliveryError, Notifier
from alerts.store import AlertStore
from ingest.events import AlertRaised, now
from ingest.retry import backoff_delay
from ingest.tasks import spawn

log = logging.getLogger(__name__)


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
        link = call_link(self._settings.dashboard_url, alert.call_id)
        attempts = 1 + self._settings.retries
        for attempt in range(1, attempts + 1):
            try:
                await asyncio.wait_for(notifier.send(alert, link), self._settings.timeout_s)
            except Exception as error:  # any failure of a channel is retried, then recorded
                problem = _describe(error, self._settings.timeout_s)
                if attempt == attempts:
                    log.warning("alert %s not delivered to %s: %s", alert.id, notifier.name, problem)
                    await self._record(alert.id, notifier.name, "failed", attempt, problem)
                    return
                log.info(
                    "alert %s to %s, attempt %d failed: %s",
                    alert.id,
                    notifier.name,
                    attempt,
                    problem,
                )
                await self._record(alert.id, notifier.name, "retrying", attempt, problem)
                await asyncio.sleep(backoff_delay(attempt - 1, self._settings.backoff_s))
            else:
                await self._record(alert.id, notifier.name, "delivered", attempt, None, now())
                return

    async def _record(
        self, alert_id: str, channel: str, status: str, attempts: int,
        last_error: str | None, delivered_at: float | None = None,
    ) -> None:  # fmt: skip
        try:
            await self._store.record_delivery(alert_id, channel, status, attempts, last_error, delivered_at)
        except Exception:
            # Losing the delivery record must not stop the channel's worker.
            log.exception("could not record %s delivery of alert %s", channel, alert_id)


def _describe(error: BaseException, timeout_s: float) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout_s:g} s"
    if isinstance(error, DeliveryError):
        return str(error)  # already says which channel failed and how
    message = str(error) or type(error).__name__
    return message if type(error).__name__ in message else f"{type(error).__name__}: {message}"
