"""What the ingest pipeline calls: evaluate, store, publish, hand to notifiers.

`on_segment()` returns once the alert is stored and published; notification
delivery happens in the background (see `alerts.dispatcher`), so a failing
or slow channel never delays transcription or storage.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from alerts.config import AlertSettings
from alerts.dispatcher import NotificationDispatcher
from alerts.engine import AlertEngine, Verdict, alert_for
from alerts.notifiers import Notifier, build_notifiers
from alerts.store import AlertQuery, AlertStore, StoredAlert
from ingest.call_identity import agent_from_metadata
from ingest.events import (
    AlertAcknowledged,
    AlertRaised,
    CallEnded,
    CallStarted,
    Event,
    TranscriptSegment,
    UtteranceLate,
    now,
)
from ingest.storage.database import DatabaseTarget

log = logging.getLogger(__name__)
Publish = Callable[[Event], Awaitable[None]]


class AlertService:
    def __init__(
        self,
        store: AlertStore,
        settings: AlertSettings,
        publish: Publish,
        dispatcher: NotificationDispatcher | None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.engine = AlertEngine(settings)
        self._publish = publish
        self._dispatcher = dispatcher
        self._agents: dict[str, str] = {}

    @classmethod
    async def open(
        cls,
        db_path: str | Path | DatabaseTarget,
        settings: AlertSettings,
        publish: Publish,
        *,
        notifiers: list[Notifier] | None = None,
    ) -> AlertService:
        """Open the alert tables in `db_path` (a SQLite path or a database URL/target); notify in-process unless settings say otherwise.

        `notifiers` replaces the channels built from `settings.notify`.
        """
        store = await AlertStore.open(db_path)
        dispatcher = None
        if settings.notify.in_process:
            channels = build_notifiers(settings.notify) if notifiers is None else notifiers
            dispatcher = NotificationDispatcher(channels, store, settings.notify)
        return cls(store, settings, publish, dispatcher)

    async def on_call_started(self, event: CallStarted) -> None:
        self.engine.start_call(event.call_id)
        agent = agent_from_metadata(event.metadata)
        if agent:
            self._agents[event.call_id] = agent

    def set_agent(self, call_id: str, agent: str) -> None:
        """Name the call's agent when it becomes known later (ViciDial enrichment)."""
        self._agents[call_id] = agent

    async def on_segment(self, segment: TranscriptSegment) -> AlertRaised | None:
        verdict = self.engine.on_segment(segment)
        if verdict is None:
            return None
        alert = self._alert(segment.call_id, verdict, segment)
        await self._raise(alert)
        return alert

    async def on_late_utterance(self, late: UtteranceLate) -> AlertRaised | None:
        """A line of the call went late under overload, or settled (see `alerts.compliance`)."""
        verdict = self.engine.on_late_utterance(late)
        if verdict is None:
            return None
        alert = self._alert(late.call_id, verdict, None)
        await self._raise(alert)
        return alert

    async def on_call_ended(self, event: CallEnded) -> AlertRaised | None:
        verdict = self.engine.end_call(event.call_id)
        alert = None if verdict is None else self._alert(event.call_id, verdict, None)
        if alert is not None:
            await self._raise(alert)
        self._agents.pop(event.call_id, None)
        return alert

    async def acknowledge(self, alert_id: str, by: str, note: str | None = None) -> AlertAcknowledged | None:
        """Acknowledge for the dashboard; None when unknown or already acknowledged."""
        event = await self.store.acknowledge(alert_id, by, note=(note or "").strip() or None)
        if event is not None:
            await self._safe_publish(event)
        return event

    async def acknowledge_many(
        self, alert_ids: list[str], by: str, note: str | None = None
    ) -> list[AlertAcknowledged]:
        """Bulk acknowledge (the inbox's "acknowledge all" and the Alerts page's selection);
        the ones someone else acknowledged first are left out of the result."""
        done = []
        for alert_id in alert_ids:
            event = await self.acknowledge(alert_id, by, note)
            if event is not None:
                done.append(event)
        return done

    async def query_alerts(self, query: AlertQuery) -> list[StoredAlert]:
        return await self.store.query_alerts(query)

    async def alert_rules(self) -> list[str]:
        return await self.store.alert_rules()

    async def list_alerts(
        self, limit: int = 100, call_id: str | None = None, unacknowledged_only: bool = False
    ) -> list[AlertRaised]:
        return await self.store.list_alerts(limit, call_id, unacknowledged_only)

    async def drain(self) -> None:
        """Wait for queued notifications (tests, orderly shutdown)."""
        if self._dispatcher is not None:
            await self._dispatcher.drain()

    async def close(self, grace_s: float = 5.0) -> None:
        if self._dispatcher is not None:
            await self._dispatcher.close(grace_s)
        await self.store.close()

    def _alert(self, call_id: str, verdict: Verdict, segment: TranscriptSegment | None) -> AlertRaised:
        return alert_for(uuid.uuid4().hex, call_id, verdict, segment, now(), self._agents.get(call_id))

    async def _raise(self, alert: AlertRaised) -> None:
        await self.store.add_alert(alert)
        await self._safe_publish(alert)
        if self._dispatcher is not None:
            self._dispatcher.submit(alert)

    async def _safe_publish(self, event: Event) -> None:
        # The alert is stored; a bus outage must not lose its notifications.
        try:
            await self._publish(event)
        except Exception:
            log.exception("could not publish %s", event.type)
