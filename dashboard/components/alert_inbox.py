"""The alert inbox: on the wallboard, one compact row per live call with open
alerts, in a strip that never takes more than a fixed share of the screen;
on every other page, only a count badge linking to the Alerts page.

Alerts of ended calls leave the strip (they stay on the Alerts page as
"ended, unacknowledged"); warnings make no sound, urgent and critical ones
beep when the supervisor turned sound on. The strip is one browser component
(`alert_inbox.js`) fed the shared `AlertInboxModel`'s rows: however many
supervisors and alerts, the rows are built once per tick for all of them.
"""

from __future__ import annotations

import json
from typing import Any

from nicegui import app, events, ui

from dashboard.auth import SessionUser
from dashboard.inbox_model import AlertInboxModel, InboxRow
from dashboard.live import listen_while_open
from dashboard.services import DashboardServices
from dashboard.style import LEVEL_CLASSES
from ingest.events import AlertRaised, Event

STRIP_MAX_HEIGHT = "15vh"
"""The strip's share of the viewport: live calls must stay in view whatever happens."""
SOUNDED_LEVELS = frozenset({"urgent", "critical"})


class AlertInboxStrip(ui.element, component="alert_inbox.js"):
    """The rows as data; clicking "Acknowledge all" emits `acknowledge` with the call id."""

    def __init__(self) -> None:
        super().__init__()
        self.props["level-classes"] = LEVEL_CLASSES
        self.props["max-height"] = STRIP_MAX_HEIGHT
        self.rows: list[InboxRow] = []
        """The rows as last sent to the browser."""

    def show(self, model: AlertInboxModel) -> None:
        if model.rows is self.rows:
            return
        self.rows = model.rows
        # `run_method` would serialise the rows again for every page: the model's JSON is shared.
        self.client.run_javascript(f"return runMethod({self.id}, {json.dumps('show')}, [{model.rows_json}])")


def alert_inbox(services: DashboardServices, user: SessionUser) -> None:
    """The strip; call inside the wallboard's content."""
    feed, model = services.feed, services.inbox
    storage = app.storage.user  # kept: bus callbacks run outside this request's context
    client = ui.context.client
    strip = AlertInboxStrip().mark("alert-inbox")

    async def acknowledge_call(call_id: str, note: str | None = None) -> None:
        call = feed.calls.get(call_id)
        ids = list(call.open_alerts) if call else []
        done = await services.alerts.acknowledge_many(ids, user.name, note)
        if len(done) < len(ids):
            ui.notify("Some of those alerts were already acknowledged.", type="info")

    def ask_note(call_id: str) -> None:
        with ui.dialog() as dialog, ui.card():
            ui.label("Acknowledge the critical alerts of this call").classes("font-semibold")
            note = ui.input("What was done (optional)").props('data-testid="ack-note"').classes("w-96")

            async def confirm() -> None:
                dialog.close()
                await acknowledge_call(call_id, note.value)

            with ui.row():
                ui.button("Acknowledge", on_click=confirm).props('data-testid="ack-confirm"').mark(
                    "ack-confirm"
                )
                ui.button("Cancel", on_click=dialog.close).props("flat")
        dialog.open()

    async def on_acknowledge(event: events.GenericEventArguments) -> None:
        args: Any = event.args
        call_id = str(args.get("call_id", "")) if isinstance(args, dict) else ""
        call = feed.calls.get(call_id)
        if call is None:
            return  # ended or acknowledged meanwhile: the strip catches up on the next tick
        if call.top_level == "critical":  # the level now, not the one the browser last showed
            ask_note(call_id)
        else:
            await acknowledge_call(call_id)

    strip.on("acknowledge", on_acknowledge)
    model.flush()
    strip.show(model)
    listen_while_open(model.listen, strip.show)

    def beep(event: Event) -> None:
        if (
            isinstance(event, AlertRaised)
            and event.level in SOUNDED_LEVELS
            and event.call_id in feed.calls
            and storage.get("sound", False)
        ):
            client.run_javascript(f"callmonBeep({event.level!r})")

    listen_while_open(feed.listen, beep)


def alert_count_badge(services: DashboardServices) -> None:
    """Open alerts of live calls, as a badge linking to the Alerts page."""
    model = services.inbox
    badge = (
        ui.link("", "/alerts").classes("px-2 rounded text-sm no-underline").props('data-testid="alert-count"')
    )

    def refresh(_: AlertInboxModel | None = None) -> None:
        count = model.open_alerts
        text = f"{count} open alert{'s' if count != 1 else ''}"
        if badge.text != text:
            badge.text = text
            badge.classes(replace="px-2 rounded text-sm no-underline " + (
                "bg-red-600 text-white" if count else "bg-slate-600 text-white"))  # fmt: skip

    model.flush()
    refresh()
    listen_while_open(model.listen, refresh)
