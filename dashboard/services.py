"""What the pages read and call, assembled either around a running worker
(`callmon run`) or on its own from Redis and SQLite (`callmon dashboard`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from alerts.config import AlertSettings
from alerts.service import AlertService
from alerts.store import AlertQuery, AlertStore, StoredAlert
from dashboard.feed import LiveFeed, StoreLoaders
from dashboard.health import HealthMonitor, Probe, ProbeReport, ingest_report
from dashboard.inbox_model import AlertInboxModel
from dashboard.login_guard import LoginThrottle, LoginTickets
from dashboard.notes import NoteStore
from dashboard.recordings import RecordingPolicy
from dashboard.settings import DashboardConfigError, DashboardSettings
from dashboard.users import UserStore
from dashboard.wallboard_model import WallboardModel
from ingest.bus import Bus, open_bus
from ingest.events import AlertAcknowledged, AlertRaised, CallSummary
from ingest.settings import IngestSettings, SettingsError
from ingest.storage import CallStore
from ingest.storage.database import DatabaseTarget

log = logging.getLogger(__name__)
OPEN_ALERTS_ON_START = 500
LIVE_CALLS_FROM_STORE = 1000


class AlertActions(Protocol):
    """The part of `alerts.service.AlertService` the dashboard uses."""

    async def acknowledge(
        self, alert_id: str, by: str, note: str | None = None
    ) -> AlertAcknowledged | None: ...

    async def acknowledge_many(
        self, alert_ids: list[str], by: str, note: str | None = None
    ) -> list[AlertAcknowledged]: ...

    async def query_alerts(self, query: AlertQuery) -> list[StoredAlert]: ...

    async def alert_rules(self) -> list[str]: ...

    async def list_alerts(
        self, limit: int = 100, call_id: str | None = None, unacknowledged_only: bool = False
    ) -> list[AlertRaised]: ...


@dataclass
class DashboardServices:
    settings: DashboardSettings
    db_path: Path
    bus: Bus
    calls: CallStore
    alerts: AlertActions
    users: UserStore
    notes: NoteStore
    feed: LiveFeed
    health: HealthMonitor
    wallboard: WallboardModel
    """The wallboard's tiles as rows, built once per tick for every open wallboard."""
    inbox: AlertInboxModel
    """The alert inbox's rows and the open-alert count, likewise shared."""
    _closers: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    recordings: RecordingPolicy = field(default_factory=RecordingPolicy)
    """Which recording files and URLs may be served (CALLMON_RECORDINGS_*)."""
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    login_tickets: LoginTickets = field(default_factory=LoginTickets)
    database: DatabaseTarget | None = None
    """Where the stores live when not the SQLite file `db_path` (CALLMON_DATABASE_URL)."""

    async def close(self) -> None:
        for closer in reversed(self._closers):
            try:
                await closer()
            except Exception:
                log.exception("closing a dashboard service failed")


async def services_sharing_worker(
    settings: DashboardSettings,
    *,
    db_path: Path,
    bus: Bus,
    calls: CallStore,
    alerts: AlertService | None,
    alert_settings: AlertSettings,
    ingest_probe: Probe,
    recordings: RecordingPolicy | None = None,
    database: DatabaseTarget | None = None,
) -> DashboardServices:
    """Share a running worker's bus, store and alert service (one process);
    `recordings` from the worker's settings (else read from the environment);
    `database` (CALLMON_DATABASE_URL) wins over `db_path`."""
    closers: list[Callable[[], Awaitable[Any]]] = []
    where = database or db_path
    if alerts is None:
        alerts = await _open_alert_actions(where, bus, alert_settings)
        closers.append(alerts.close)
    return await _assemble(settings, db_path, bus, calls, alerts, ingest_probe, closers, recordings, database)


async def open_standalone(
    settings: DashboardSettings,
    db_path: Path,
    redis_url: str | None,
    alert_settings: AlertSettings,
    database: DatabaseTarget | None = None,
) -> DashboardServices:
    """The dashboard alone: its own connections to Redis and the database
    (`database`, from CALLMON_DATABASE_URL, wins over the SQLite file `db_path`)."""
    closers: list[Callable[[], Awaitable[Any]]] = []
    where = database or db_path
    bus = open_bus(redis_url)
    closers.append(bus.close)
    calls = await CallStore.open(where)
    closers.append(calls.close)
    alerts = await _open_alert_actions(where, bus, alert_settings)
    closers.append(alerts.close)
    ingest_url = (settings.ingest_url or "http://127.0.0.1:8080").rstrip("/")

    async def ingest_probe() -> ProbeReport:
        async with httpx.AsyncClient(timeout=1.5) as client:
            response = await client.get(f"{ingest_url}/healthz")
        if response.status_code != 200:
            return ProbeReport(f"down: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            return ProbeReport("down: /healthz did not answer JSON")
        # the worker's own verdict (ok, amber or red) and figures, not just "it answered"
        return (
            ingest_report(body) if isinstance(body, dict) else ProbeReport("down: /healthz is not an object")
        )

    return await _assemble(settings, db_path, bus, calls, alerts, ingest_probe, closers, database=database)


async def _assemble(
    settings: DashboardSettings,
    db_path: Path,
    bus: Bus,
    calls: CallStore,
    alerts: AlertActions,
    ingest_probe: Probe,
    closers: list[Callable[[], Awaitable[Any]]],
    recordings: RecordingPolicy | None = None,
    database: DatabaseTarget | None = None,
) -> DashboardServices:
    where = database or db_path
    if recordings is None:
        try:
            recordings = RecordingPolicy.from_settings(IngestSettings.from_env())
        except SettingsError as error:
            raise DashboardConfigError(str(error)) from None
    users = await UserStore.open(where)
    closers.append(users.close)
    notes = await NoteStore.open(where)
    closers.append(notes.close)

    async def open_alerts() -> list[AlertRaised]:
        return await alerts.list_alerts(OPEN_ALERTS_ON_START, unacknowledged_only=True)

    async def active_calls() -> list[CallSummary]:
        return await calls.list_calls(LIVE_CALLS_FROM_STORE, status="active")

    feed = LiveFeed(bus, open_alerts, StoreLoaders(active_calls, calls.list_segments))
    await feed.start()
    closers.append(feed.close)

    async def bus_probe() -> str:
        state = bus.health()
        return "ok" if state.get("status") == "ok" else f"down: {state.get('error') or state.get('status')}"

    async def database_probe() -> str:
        await calls.list_calls(limit=1)
        return "ok"

    health = HealthMonitor({"ingest": ingest_probe, "bus": bus_probe, "database": database_probe})
    await health.start()
    closers.append(health.close)
    wallboard, inbox = WallboardModel(feed), AlertInboxModel(feed)
    closers.extend((wallboard.close, inbox.close))
    return DashboardServices(
        settings,
        db_path,
        bus,
        calls,
        alerts,
        users,
        notes,
        feed,
        health,
        wallboard,
        inbox,
        closers,
        recordings,
        database=database,
    )


async def _open_alert_actions(
    where: Path | DatabaseTarget, bus: Bus, alert_settings: AlertSettings
) -> AlertService:
    """Acknowledge through the alerts API without running its notifiers here."""
    store = await AlertStore.open(where)
    try:
        return AlertService(store, alert_settings, bus.publish, None)
    except BaseException:
        await store.close()
        raise
