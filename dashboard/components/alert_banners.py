"""Alert banners on every supervisor page: newest first, coloured by level.

Warnings go away by themselves after 30 s; urgent ones can be dismissed;
critical ones stay until someone acknowledges them (through the alerts API,
which records who and when and tells every other dashboard).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from nicegui import app, ui

from dashboard.auth import SessionUser
from dashboard.live import listen_while_open
from dashboard.services import DashboardServices
from dashboard.style import LEVEL_CLASSES, call_path
from ingest.events import AlertAcknowledged, AlertRaised, Event

WARNING_SECONDS = 30.0
OLD_ALERT_SECONDS = 3600.0
"""Unacknowledged urgent/critical alerts older than this are left to the call view."""
MAX_DISMISSED = 500


def alert_banners(services: DashboardServices, user: SessionUser) -> None:
    area = ui.column().classes("w-full gap-1").props('data-testid="alert-banners"')
    shown: dict[str, ui.element] = {}
    storage = app.storage.user  # kept: bus callbacks run outside this request's context
    client = ui.context.client

    def dismissed() -> list[str]:
        return list(storage.get("dismissed_alerts", []))

    def remove(alert_id: str) -> None:
        banner = shown.pop(alert_id, None)
        if banner is not None:
            banner.delete()

    def dismiss(alert_id: str) -> None:
        storage["dismissed_alerts"] = (dismissed() + [alert_id])[-MAX_DISMISSED:]
        remove(alert_id)

    async def acknowledge(alert_id: str) -> None:
        event = await services.alerts.acknowledge(alert_id, user.name)
        if event is None:
            ui.notify("That alert was already acknowledged.", type="info")
        remove(alert_id)

    def show(alert: AlertRaised, *, fresh: bool) -> None:
        alert_id, level = alert.id, alert.level
        age = time.time() - alert.raised_at
        if alert_id in shown or alert.acknowledged_at or alert_id in dismissed():
            return
        if (level == "warning" and age >= WARNING_SECONDS) or age >= OLD_ALERT_SECONDS:
            return
        with area:
            banner = _banner(alert, acknowledge, dismiss)
            banner.move(target_index=0)
            if level == "warning":
                ui.timer(WARNING_SECONDS - age, lambda: remove(alert_id), once=True)
        shown[alert_id] = banner
        if fresh and level != "warning" and storage.get("sound", False):
            client.run_javascript(f"callmonBeep({level!r})")

    for alert in services.feed.alerts.values():  # oldest first: each new one goes on top
        show(alert, fresh=False)

    def on_event(event: Event) -> None:
        match event:
            case AlertRaised():
                show(event, fresh=True)
            case AlertAcknowledged():
                remove(event.id)

    listen_while_open(services.feed.listen, on_event)


def _banner(
    alert: AlertRaised, acknowledge: Callable[[str], Any], dismiss: Callable[[str], None]
) -> ui.element:
    alert_id, level = alert.id, alert.level
    raised = time.strftime("%H:%M:%S", time.localtime(alert.raised_at))
    with (
        ui.row()
        .classes(f"w-full items-center gap-3 px-3 py-2 border-l-8 rounded {LEVEL_CLASSES.get(level, '')}")
        .props('data-testid="banner"') as banner
    ):
        banner.props.update({"data-alert-id": alert_id, "data-level": level})
        ui.label(level.upper()).classes("font-bold")
        ui.label(raised).classes("text-xs opacity-80")
        call_id = alert.call_id
        ui.link(f"{alert.agent or 'call'} · {call_id[:8]}", call_path(call_id)).classes(
            "font-medium underline text-inherit"
        )
        ui.label("; ".join(alert.reasons or alert.rules)).classes("grow")
        if alert.text:
            ui.label(f"“{alert.text}”").classes("italic")
        ui.button("Acknowledge", on_click=lambda: acknowledge(alert_id)).props(
            'dense unelevated color=white text-color=black data-testid="ack"'
        )
        if level != "critical":
            ui.button("Dismiss", on_click=lambda: dismiss(alert_id)).props('dense flat data-testid="dismiss"')
    return banner
