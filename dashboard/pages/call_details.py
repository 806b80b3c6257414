"""The call view's side panels: metadata, the call's alerts, supervisor notes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from nicegui import ui

from dashboard.auth import SessionUser
from dashboard.notes import MAX_NOTE_LENGTH, CallNote
from dashboard.roles import SUPERVISOR_PAGES, may_open
from dashboard.services import DashboardServices
from dashboard.style import LEVEL_CLASSES, format_clock, format_score
from ingest.call_identity import call_agent
from ingest.events import AlertAcknowledged, AlertRaised, CallSummary, TranscriptSegment

FIELDS = (
    ("agent", "Agent"),
    ("agent_name", "Agent name"),
    ("caller_number", "Caller"),
    ("campaign", "Campaign"),
    ("in_group", "In-group"),
    ("language", "Language"),
    ("source", "Source"),
    ("status", "Status"),
)


def _when(epoch: Any) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(epoch))) if epoch else "–"


@dataclass
class CallFigures:
    """What the view itself shows of the call, counted from the lines and alerts on
    screen: never a stored row's figures that lag behind the transcript beside them."""

    segments: int = 0
    alerts: int = 0
    open_alerts: int = 0
    score_sum: float = 0.0
    moods: dict[str, float] = field(default_factory=dict)

    def add_segment(self, segment: TranscriptSegment) -> None:
        self.segments += 1
        self.score_sum += segment.sentiment_score
        party = "agent" if segment.speaker == "agent" else "caller"
        self.moods[party] = segment.rolling_sentiment

    def rows(self) -> list[tuple[str, str]]:
        average = self.score_sum / self.segments if self.segments else None
        return [
            ("Segments", str(self.segments)),
            ("Alerts", f"{self.alerts} ({self.open_alerts} open)" if self.open_alerts else str(self.alerts)),
            ("Average sentiment", format_score(average)),
            ("Caller mood", format_score(self.moods.get("caller"))),
            ("Agent mood", format_score(self.moods.get("agent"))),
        ]


class MetadataPanel:
    def __init__(self) -> None:
        with ui.card().classes("w-full gap-1").props('data-testid="metadata"'):
            ui.label("Call").classes("font-semibold")
            self.grid = ui.grid(columns=2).classes("gap-x-4 gap-y-0 text-sm")
            self.figures_grid = ui.grid(columns=2).classes("gap-x-4 gap-y-0 text-sm")
        self._figure_labels: dict[str, ui.label] = {}

    def show_figures(self, figures: CallFigures) -> None:
        """Update the live figures in place."""
        for label, value in figures.rows():
            shown = self._figure_labels.get(label)
            if shown is None:
                with self.figures_grid:
                    ui.label(label).classes("text-gray-500")
                    shown = ui.label(value).props(f'data-field="{label.lower().replace(" ", "-")}"')
                self._figure_labels[label] = shown
            elif shown.text != value:
                shown.text = value

    def show(self, summary: CallSummary) -> None:
        self.grid.clear()
        metadata = summary.metadata
        rows: list[tuple[str, object]] = [
            (label, call_agent(summary) if key == "agent" else getattr(summary, key) or metadata.get(key))
            for key, label in FIELDS
        ]
        # The call's own status says live/ended; ViciDial's disposition is the agent's verdict.
        rows.append(("Disposition", metadata.get("status")))
        rows += [
            ("Started", _when(summary.started_at)),
            ("Ended", _when(summary.ended_at) if summary.ended_at else None),
            ("Duration", format_clock(summary.duration) if summary.duration else None),
            ("Keywords", ", ".join(summary.keywords)),
        ]
        rows += [(f"· {key}", value) for key, value in sorted(metadata.items()) if key not in dict(FIELDS)]
        with self.grid:
            for label, value in rows:
                if value in (None, ""):
                    continue
                ui.label(label).classes("text-gray-500")
                ui.label(str(value)).props(
                    f'data-field="{label.lower().replace(" ", "-")}"'
                    if label.isascii() and label[0].isalpha()
                    else ""
                )

    def mark_ended(self, ended_at: float) -> None:
        with self.grid:
            ui.label("Ended").classes("text-gray-500")
            ui.label(_when(ended_at))


class AlertsPanel:
    def __init__(self, services: DashboardServices, user: SessionUser) -> None:
        self._services = services
        self._user = user
        self._rows: dict[str, ui.element] = {}
        self._buttons: dict[str, ui.element] = {}
        self.open_ids: set[str] = set()
        with ui.card().classes("w-full gap-1").props('data-testid="call-alerts"'):
            ui.label("Alerts").classes("font-semibold")
            self.list = ui.column().classes("w-full gap-1")
            self.none = ui.label("None.").classes("text-sm text-gray-500")

    def add(self, alert: AlertRaised | AlertAcknowledged) -> None:
        alert_id = alert.id
        if isinstance(alert, AlertAcknowledged):
            self.open_ids.discard(alert_id)
            row = self._rows.get(alert_id)
            button = self._buttons.pop(alert_id, None)
            if button is not None:
                button.delete()
            if row is not None and button is not None:
                with row:
                    ui.label(f"acknowledged by {alert.acknowledged_by}").classes("text-xs")
            return
        if alert_id in self._rows:
            if alert.acknowledged_by and alert_id in self.open_ids:  # acknowledged while we did not hear it
                self.add(
                    AlertAcknowledged(
                        alert_id, alert.call_id, alert.acknowledged_by, alert.acknowledged_at or 0
                    )
                )
            return
        level = alert.level
        if not alert.acknowledged_at:
            self.open_ids.add(alert_id)
        with self.list:
            with (
                ui.row()
                .classes(
                    f"w-full items-center gap-2 px-2 py-1 rounded border-l-4 text-sm "
                    f"{LEVEL_CLASSES.get(level, '')}"
                )
                .props('data-testid="call-alert"') as row
            ):
                row.props["data-alert-id"] = alert_id  # a value, never parsed
                ui.label(time.strftime("%H:%M:%S", time.localtime(alert.raised_at)))
                ui.label(level.upper()).classes("font-bold")
                ui.label("; ".join(alert.reasons)).classes("grow")
                if alert.acknowledged_by:
                    ui.label(f"acknowledged by {alert.acknowledged_by}").classes("text-xs")
                elif may_open(self._user.role, SUPERVISOR_PAGES):
                    self._buttons[alert_id] = ui.button(
                        "Acknowledge", on_click=lambda: self._acknowledge(alert_id)
                    ).props('dense flat data-testid="call-ack"')
            row.move(target_index=0)
        self._rows[alert_id] = row
        self.none.visible = False

    async def _acknowledge(self, alert_id: str) -> None:
        if await self._services.alerts.acknowledge(alert_id, self._user.name) is None:
            ui.notify("That alert was already acknowledged.")

    @property
    def count(self) -> int:
        return len(self._rows)


class NotesPanel:
    def __init__(self, services: DashboardServices, user: SessionUser, call_id: str) -> None:
        with ui.card().classes("w-full gap-1").props('data-testid="notes"'):
            ui.label("Notes to the agent").classes("font-semibold")
            self.list = ui.column().classes("w-full gap-0 text-sm")
            if may_open(user.role, SUPERVISOR_PAGES):
                with ui.row().classes("w-full items-center no-wrap"):
                    text = (
                        ui.input(placeholder="Short note for the agent")
                        .props(f'maxlength={MAX_NOTE_LENGTH} dense data-testid="note-input"')
                        .classes("grow")
                    )

                    async def send() -> None:
                        if not (text.value or "").strip():
                            return
                        self.add(await services.notes.add(call_id, user.name, text.value))
                        text.value = ""
                        ui.notify("Note sent.")

                    ui.button("Send", on_click=send).props('dense data-testid="note-send"')

    def add(self, note: CallNote) -> None:
        with self.list, ui.row().classes("gap-2"):
            ui.label(time.strftime("%H:%M", time.localtime(note.created_at))).classes("text-gray-500")
            ui.label(note.author).classes("font-medium")
            ui.label(note.text).props('data-testid="note-text"')


def metadata_panel() -> MetadataPanel:
    return MetadataPanel()


def alerts_panel(services: DashboardServices, user: SessionUser) -> AlertsPanel:
    return AlertsPanel(services, user)


def notes_panel(services: DashboardServices, user: SessionUser, call_id: str) -> NotesPanel:
    return NotesPanel(services, user, call_id)
