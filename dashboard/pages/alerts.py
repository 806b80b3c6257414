"""/alerts: every alert, live or ended, acknowledged or not, with filters, bulk
acknowledge (a note with it) and one call's history (`/alerts?call=ID`).

The wallboard's inbox shows only what needs attention now; this page is where
the rest lives, including alerts of calls that ended before anyone
acknowledged them ("ended, unacknowledged").
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from nicegui import ui

from alerts.store import AlertQuery, StoredAlert
from dashboard.auth import SessionUser, guarded_page
from dashboard.feed import FeedResynced
from dashboard.layout import frame
from dashboard.live import listen_while_open
from dashboard.roles import SUPERVISOR_PAGES
from dashboard.services import DashboardServices
from ingest.events import ALERT_LEVELS, AlertAcknowledged, AlertRaised, CallEnded, CallSummary, Event

REFRESH_S = 1.0
"""Events only mark the table stale; it is queried again at most this often."""
PAGE_LIMIT = 500
STALE_EVENTS = (AlertRaised, AlertAcknowledged, CallEnded, CallSummary, FeedResynced)
CHOICES_CALL = {"any": "live or ended", "live": "live", "ended": "ended"}
CHOICES_ACK = {"any": "acknowledged or not", "open": "unacknowledged", "done": "acknowledged"}
COLUMNS: list[dict[str, Any]] = [
    {"name": "raised", "label": "Raised", "field": "raised", "align": "left", "sortable": True},
    {"name": "level", "label": "Level", "field": "level", "align": "left", "sortable": True},
    {"name": "state", "label": "State", "field": "state", "align": "left"},
    {"name": "agent", "label": "Agent", "field": "agent", "align": "left", "sortable": True},
    {"name": "campaign", "label": "Campaign", "field": "campaign", "align": "left"},
    {"name": "reasons", "label": "Reasons", "field": "reasons", "align": "left"},
    {"name": "text", "label": "Said", "field": "text", "align": "left"},
    {"name": "call", "label": "Call", "field": "call", "align": "left"},
]


def alert_state(stored: StoredAlert) -> str:
    """What the supervisor needs to know of one alert at a glance."""
    alert = stored.alert
    if alert.acknowledged_at:
        note = f": {stored.note}" if stored.note else ""
        return f"acknowledged by {alert.acknowledged_by}{note}"
    if stored.call_live is False:
        return "ended, unacknowledged"
    return "live, open"


def table_row(stored: StoredAlert) -> dict[str, Any]:
    alert = stored.alert
    return {
        "id": alert.id,
        "raised": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(alert.raised_at)),
        "level": alert.level,
        "state": alert_state(stored),
        "agent": alert.agent or "",
        "campaign": stored.campaign or "",
        "reasons": "; ".join(alert.reasons or alert.rules),
        "text": alert.text,
        "call": alert.call_id,
        "open": not alert.acknowledged_at,
    }


def query_of(filters: dict[str, Any], call: str | None) -> AlertQuery:
    """The store query for the page's filter values (pure)."""
    live = {"live": True, "ended": False}.get(filters.get("call") or "any")
    acknowledged = {"open": False, "done": True}.get(filters.get("ack") or "any")
    return AlertQuery(
        levels=tuple(filters.get("levels") or ()),
        rule=filters.get("rule") or None,
        agent=(filters.get("agent") or "").strip() or None,
        campaign=(filters.get("campaign") or "").strip() or None,
        live=live,
        acknowledged=acknowledged,
        call_id=call or None,
        limit=PAGE_LIMIT,
    )


def register(services: DashboardServices) -> None:
    @guarded_page("/alerts", SUPERVISOR_PAGES, "Alerts")
    async def alerts_page(user: SessionUser, call: str | None = None) -> None:
        rules = await services.alerts.alert_rules()
        title = f"Alerts of call {call}" if call else "Alerts"
        with frame(services, user, title):
            filters: dict[str, Any] = {"call": "any", "ack": "open" if not call else "any"}
            with ui.row().classes("items-end gap-3").props('data-testid="alert-filters"'):
                ui.select(list(ALERT_LEVELS), multiple=True, label="Level").bind_value(
                    filters, "levels"
                ).classes("w-48").props('data-testid="filter-level"')
                ui.select(["", *rules], label="Rule").bind_value(filters, "rule").classes("w-48")
                ui.input("Agent").bind_value(filters, "agent").classes("w-36")
                ui.input("Campaign").bind_value(filters, "campaign").classes("w-36")
                ui.select(CHOICES_CALL, label="Call").bind_value(filters, "call").classes("w-36")
                ui.select(CHOICES_ACK, label="Acknowledged").bind_value(filters, "ack").classes("w-44")
                ui.button("Apply", on_click=lambda: reload()).props('data-testid="apply-filters"')
                if call:
                    ui.link("all calls", "/alerts")
            count = ui.label().props('data-testid="alerts-count"')
            table = (
                ui.table(columns=COLUMNS, rows=[], row_key="id", selection="multiple", pagination=50)
                .classes("w-full")
                .props('data-testid="alerts-table" dense')
            )
            with ui.row().classes("items-center gap-2"):
                note = ui.input("Note (optional)").classes("w-96").props('data-testid="bulk-note"')
                ui.button("Acknowledge selected", on_click=lambda: acknowledge_selected()).props(
                    'data-testid="ack-selected"'
                )
                ui.button("Acknowledge all shown", on_click=lambda: acknowledge_shown()).props(
                    'flat data-testid="ack-shown"'
                )

        async def reload() -> None:
            stored = await services.alerts.query_alerts(query_of(filters, call))
            table.rows = [table_row(s) for s in stored]
            table.selected = [r for r in table.selected if any(r["id"] == row["id"] for row in table.rows)]
            count.text = f"{len(table.rows)} alert{'s' if len(table.rows) != 1 else ''}" + (
                f" (the newest {PAGE_LIMIT})" if len(table.rows) >= PAGE_LIMIT else ""
            )
            stale[0] = False

        async def acknowledge(ids: list[str]) -> None:
            done = await services.alerts.acknowledge_many(ids, user.name, note.value)
            ui.notify(f"Acknowledged {len(done)} alert{'s' if len(done) != 1 else ''}.")
            note.value = ""
            table.selected = []
            await reload()

        async def acknowledge_selected() -> None:
            await acknowledge([r["id"] for r in table.selected if r.get("open")])

        async def acknowledge_shown() -> None:
            await acknowledge([r["id"] for r in table.rows if r.get("open")])

        def open_history(event: Any) -> None:
            row = event.args[1] if isinstance(event.args, list) and len(event.args) > 1 else None
            if isinstance(row, dict) and row.get("call"):
                ui.navigate.to(f"/alerts?call={quote(str(row['call']), safe='')}")

        table.on("rowClick", open_history)
        stale = [True]

        def on_event(event: Event) -> None:
            if isinstance(event, STALE_EVENTS):
                stale[0] = True

        async def refresh_if_stale() -> None:
            if stale[0]:
                await reload()

        listen_while_open(services.feed.listen, on_event)
        await reload()
        ui.timer(REFRESH_S, refresh_if_stale)
