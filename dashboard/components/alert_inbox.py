"""The alert inbox: on the wallboard, one compact row per live call with open
alerts, in a strip that never takes more than a fixed share of the screen;
on every other page, only a count badge linking to the Alerts page.

Alerts of ended calls leave the strip (they stay on the Alerts page as
"ended, unacknowledged"); warnings make no sound, urgent and critical ones
beep when the supervisor turned sound on.
"""

from __future__ import annotations

from nicegui import app, ui

from alerts.levels import level_rank
from dashboard.auth import SessionUser
from dashboard.feed import FeedResynced, LiveCall
from dashboard.live import listen_while_open
from dashboard.services import DashboardServices
from dashboard.style import LEVEL_CLASSES, call_path
from ingest.call_identity import agent_display_name
from ingest.events import AlertAcknowledged, AlertRaised, CallEnded, CallSummary, Event

RENDER_S = 0.25
"""Rows are redrawn at this cadence, not per event: a burst of alerts on many calls
costs each open wallboard one pass over the calls that changed."""
STRIP_MAX_HEIGHT = "15vh"
"""The strip's share of the viewport: live calls must stay in view whatever happens."""
SOUNDED_LEVELS = frozenset({"urgent", "critical"})
CALL_EVENTS = (AlertRaised, AlertAcknowledged, CallEnded, CallSummary)
INBOX_EVENTS = (*CALL_EVENTS, FeedResynced)


def inbox_order(call: LiveCall) -> tuple[int, float]:
    """Highest level first, then the most recent alert first."""
    latest = call.latest_alert
    top = call.top_level
    return (-(level_rank(top) if top else -1), -(latest.raised_at if latest else 0.0))


def alert_inbox(services: DashboardServices, user: SessionUser) -> None:
    """The strip; call inside the wallboard's content."""
    feed = services.feed
    storage = app.storage.user  # kept: bus callbacks run outside this request's context
    client = ui.context.client
    strip = (
        ui.column()
        .classes("w-full gap-1 overflow-y-auto")
        .style(f"max-height: {STRIP_MAX_HEIGHT}")
        .props('data-testid="alert-inbox"')
    )
    rows: dict[str, ui.row] = {}
    shown: dict[str, tuple[object, ...]] = {}
    placed: dict[str, int] = {}
    dirty: set[str] = set()

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

    def render(call_id: str) -> None:
        call = feed.calls.get(call_id)
        latest = call.latest_alert if call else None
        if call is None or latest is None:
            row = rows.pop(call_id, None)
            shown.pop(call_id, None)
            placed.pop(call_id, None)
            if row is not None:
                row.delete()
            return
        top = call.top_level or latest.level
        signature = (top, len(call.open_alerts), latest.id, agent_display_name(call.summary))
        if shown.get(call_id) == signature:
            return
        shown[call_id] = signature
        row = rows.get(call_id)
        if row is None:
            with strip:
                row = ui.row().classes(
                    "w-full items-center gap-2 px-2 py-1 border-l-8 rounded no-wrap text-sm"
                )
                row.props('data-testid="inbox-row"')
                row.props["data-call-id"] = call_id  # wire data: a value, never parsed
            rows[call_id] = row
        previous = row.props.get("data-level")
        if previous != top:
            # Only the level's colours change: replacing all classes would drop the row's own.
            row.classes(
                remove=LEVEL_CLASSES.get(previous, "") if previous else None, add=LEVEL_CLASSES.get(top, "")
            )
        row.props["data-level"] = top
        row.clear()
        with row:
            ui.label(top.upper()).classes("font-bold w-16")
            count = len(call.open_alerts)
            ui.label(f"{count} alert{'s' if count != 1 else ''}").classes("w-16").props(
                'data-testid="inbox-count"'
            )
            ui.link(agent_display_name(call.summary) or call_id[:8], call_path(call_id)).classes(
                "font-medium underline text-inherit w-32 truncate"
            )
            ui.label("; ".join(latest.reasons or latest.rules)).classes("truncate")
            if latest.text:
                ui.label(f"“{latest.text}”").classes("italic truncate grow")
            else:
                ui.space()
            if top == "critical":
                ui.button("Acknowledge all", on_click=lambda: ask_note(call_id)).props(
                    'dense unelevated color=white text-color=black data-testid="ack-call"'
                )
            else:
                ui.button("Acknowledge all", on_click=lambda: acknowledge_call(call_id)).props(
                    'dense unelevated color=white text-color=black data-testid="ack-call"'
                )

    def place_all() -> None:
        ranked = sorted((feed.calls[c] for c in rows if c in feed.calls), key=inbox_order)
        for rank, call in enumerate(ranked):
            if placed.get(call.call_id) != rank:  # only rows that moved go to the browser
                placed[call.call_id] = rank
                rows[call.call_id].style(f"order: {rank}")

    def render_dirty() -> None:
        if not dirty:
            return
        for call_id in list(dirty):
            render(call_id)
        dirty.clear()
        place_all()

    def render_all() -> None:
        dirty.update(set(rows) | {c.call_id for c in feed.calls.values() if c.open_alerts})
        render_dirty()

    render_all()
    ui.timer(RENDER_S, render_dirty)

    def on_event(event: Event) -> None:
        if isinstance(event, FeedResynced):
            shown.clear()
            dirty.update(set(rows) | {c.call_id for c in feed.calls.values() if c.open_alerts})
        elif isinstance(event, CALL_EVENTS):
            dirty.add(event.call_id)
            if (
                isinstance(event, AlertRaised)
                and event.level in SOUNDED_LEVELS
                and event.call_id in feed.calls
                and storage.get("sound", False)
            ):
                client.run_javascript(f"callmonBeep({event.level!r})")

    listen_while_open(feed.listen, on_event)


def alert_count_badge(services: DashboardServices) -> None:
    """Open alerts of live calls, as a badge linking to the Alerts page."""
    feed = services.feed
    badge = (
        ui.link("", "/alerts").classes("px-2 rounded text-sm no-underline").props('data-testid="alert-count"')
    )

    def refresh() -> None:
        count = feed.open_alert_count
        text = f"{count} open alert{'s' if count != 1 else ''}"
        if badge.text != text:
            badge.text = text
            badge.classes(replace="px-2 rounded text-sm no-underline " + (
                "bg-red-600 text-white" if count else "bg-slate-600 text-white"))  # fmt: skip

    refresh()

    def on_event(event: Event) -> None:
        if isinstance(event, INBOX_EVENTS):
            refresh()

    listen_while_open(feed.listen, on_event)
