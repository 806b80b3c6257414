"""/calls/{call_id}: live transcript, sentiment timeline, alerts, metadata, notes.

The same page shows ended calls (from SQLite); for live ones it listens to the
feed, registering before it reads the stored rows so no segment falls between.
The figures beside the transcript (segments, alerts, each party's mood) are
counted from what the page shows, so they move with it; after a bus outage
the page fills in from the store what it missed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import background_tasks, ui

from dashboard.auth import SessionUser, guarded_page
from dashboard.components.listen_player import listen_player
from dashboard.components.sentiment_chart import SentimentChart
from dashboard.components.transcript import transcript_line
from dashboard.feed import FeedResynced
from dashboard.layout import frame
from dashboard.live import listen_while_open
from dashboard.pages.call_details import CallFigures, alerts_panel, metadata_panel, notes_panel
from dashboard.roles import CALL_PAGES
from dashboard.services import DashboardServices
from ingest.events import (
    AlertAcknowledged,
    AlertRaised,
    CallEnded,
    CallSummary,
    Event,
    InterimTranscript,
    TranscriptSegment,
)

FOLLOW_MARGIN_PX = 40


def register(services: DashboardServices) -> None:
    @guarded_page("/calls/{call_id}", CALL_PAGES, "Call")
    async def call_page(call_id: str, user: SessionUser) -> None:
        pending: list[Event] = []
        handler: list[Callable[[Event], None]] = [pending.append]  # buffer until stored rows are shown

        def mine(event: Event) -> None:
            if isinstance(event, FeedResynced) or getattr(event, "call_id", None) == call_id:
                handler[0](event)

        listen_while_open(services.feed.listen, mine)
        summary = await services.calls.get_call(call_id)
        live = services.feed.calls.get(call_id)
        with frame(services, user, f"Call {call_id}"):
            if summary is None and live is None:
                ui.label("No such call.").classes("text-gray-600").props('data-testid="no-call"')
                return
            notes = await services.notes.list_for_call(call_id)
            if live is not None or (summary is not None and summary.status == "active"):
                listen_player(services, user, call_id)
            view = _CallView(services, user, call_id)
            view.show_metadata(summary if summary else live.summary)  # type: ignore[union-attr]  # live is open here
            await view.load_stored()
            for note in notes:
                view.notes.add(note)
        for event in pending:
            view.on_event(event)
        handler[0] = view.on_event
        view.scroll_to_end()


class _CallView:
    def __init__(self, services: DashboardServices, user: SessionUser, call_id: str) -> None:
        self.services = services
        self.call_id = call_id
        self.seen_segments: set[Any] = set()
        self.figures = CallFigures()
        self.following = True
        with ui.row().classes("w-full no-wrap items-start gap-4"):
            with ui.column().classes("w-3/5 gap-2"):
                self.scroll = (
                    ui.scroll_area(on_scroll=self._on_scroll)
                    .classes("w-full h-[60vh] border rounded bg-white")
                    .props('data-testid="transcript"')
                )
                with self.scroll:
                    self.lines = ui.column().classes("w-full gap-0")
                self.interim = (
                    ui.label().classes("text-sm italic text-gray-500").props('data-testid="interim"')
                )
                self.notes = notes_panel(services, user, call_id)
            with ui.column().classes("w-2/5 gap-2"):
                self.metadata = metadata_panel()
                self.chart = SentimentChart()
                self.alerts = alerts_panel(services, user)

    def show_metadata(self, summary: CallSummary) -> None:
        self.metadata.show(summary)
        self.metadata.show_figures(self.figures)

    async def load_stored(self) -> None:
        """Show the stored segments and alerts this page does not show yet (on open,
        and after a bus outage during which the live events were lost)."""
        segments = await self.services.calls.list_segments(self.call_id)
        alerts = await self.services.alerts.list_alerts(200, call_id=self.call_id)
        for segment in segments:
            self.add_segment(segment, refresh=False)
        self.chart.plot.update()
        for alert in reversed(alerts):
            self.add_alert(alert)
        self.metadata.show_figures(self.figures)

    async def resync(self) -> None:
        summary = await self.services.calls.get_call(self.call_id)
        if summary is not None:
            self.show_metadata(summary)
        await self.load_stored()
        self.scroll_to_end()

    def add_alert(self, alert: AlertRaised | AlertAcknowledged) -> None:
        self.alerts.add(alert)
        self.figures.alerts = self.alerts.count
        self.figures.open_alerts = len(self.alerts.open_ids)
        self.metadata.show_figures(self.figures)

    def add_segment(self, segment: TranscriptSegment, *, refresh: bool = True) -> None:
        key = segment.id or (segment.speaker, segment.start)
        if key in self.seen_segments:
            return
        self.seen_segments.add(key)
        with self.lines:
            transcript_line(segment)
        self.chart.add(segment, refresh=refresh)
        self.figures.add_segment(segment)
        if refresh:
            self.metadata.show_figures(self.figures)
        self.interim.text = ""
        if refresh and self.following:
            self.scroll_to_end()

    def scroll_to_end(self) -> None:
        self.scroll.scroll_to(percent=1.0)

    def _on_scroll(self, event: Any) -> None:
        bottom = event.vertical_position + event.vertical_container_size
        self.following = bottom >= event.vertical_size - FOLLOW_MARGIN_PX

    def on_event(self, event: Event) -> None:
        match event:
            case TranscriptSegment():
                self.add_segment(event)
            case InterimTranscript():
                self.interim.text = f"{event.speaker}: {event.text} …"
            case CallSummary():
                self.show_metadata(event)
            case CallEnded():
                self.metadata.mark_ended(event.ended_at)
            case AlertRaised() | AlertAcknowledged():
                self.add_alert(event)
            case FeedResynced():
                background_tasks.create(self.resync(), name=f"resync call view {self.call_id}")
