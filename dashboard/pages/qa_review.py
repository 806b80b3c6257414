"""/qa/calls/{call_id}: review a stored call: transcript, sentiment chart, alerts,
metadata, the recording, a scorecard, exports.

The recording of an imported WAV is served by `/api/calls/{call_id}/recording`,
which only ever serves the file named in that call's stored metadata, and only
inside the configured recording folders (see `dashboard.recordings`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

from fastapi import HTTPException, Request
from nicegui import app, ui
from starlette.responses import FileResponse

from dashboard.auth import SessionUser, guarded_page, require_role
from dashboard.components.sentiment_chart import SentimentChart
from dashboard.components.transcript import transcript_line
from dashboard.layout import frame
from dashboard.pages.call_details import alerts_panel, metadata_panel
from dashboard.pages.qa_scorecard import ScorecardForm, ScorecardHistory, criteria_or_notice, scorecard_store
from dashboard.recordings import PLAYABLE_SUFFIXES, RecordingPolicy
from dashboard.roles import CALL_PAGES, QA_PAGES
from dashboard.services import DashboardServices
from ingest.events import CallSummary
from qa import load_criteria, score_call
from qa.criteria import Answer
from qa.exports import CALL_FORMATS, export_call, load_call_record

log = logging.getLogger(__name__)
MEDIA_TYPES = {
    "json": "application/json",
    "txt": "text/plain",
    "vtt": "text/vtt",
    "srt": "application/x-subrip",
}


def recording_file(summary: CallSummary, policy: RecordingPolicy) -> Path | None:
    """The call's imported WAV, when its metadata names one inside a recording folder."""
    return policy.file_for((summary.metadata or {}).get("recording_path"))


def recording_source(summary: CallSummary, policy: RecordingPolicy) -> str | None:
    """What the audio player plays: our route for an imported file, else ViciDial's URL."""
    if recording_file(summary, policy) is not None:
        return f"/api/calls/{quote(summary.call_id, safe='')}/recording"
    return policy.url_for((summary.metadata or {}).get("recording_url"))


def export_filename(call_id: str, fmt: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in call_id)
    return f"{safe}.{fmt}"


def register(services: DashboardServices) -> None:
    @app.get("/api/calls/{call_id}/recording")
    async def call_recording(call_id: str, request: Request) -> FileResponse:
        require_role(request, CALL_PAGES)
        summary = await services.calls.get_call(call_id)
        path = recording_file(summary, services.recordings) if summary else None
        if path is None:
            raise HTTPException(status_code=404, detail="no recording for this call")
        return FileResponse(path, media_type=PLAYABLE_SUFFIXES[path.suffix.lower()])

    @guarded_page("/qa/calls/{call_id}", QA_PAGES, "Review")
    async def qa_review_page(call_id: str, user: SessionUser) -> None:
        summary = await services.calls.get_call(call_id)
        with frame(services, user, f"Review call {call_id}"):
            ui.link("← back to search", "/qa").classes("text-sm")
            if summary is None:
                ui.label("No such call.").classes("text-gray-600").props('data-testid="no-call"')
                return
            segments = await services.calls.list_segments(call_id)
            alerts = await services.alerts.list_alerts(200, call_id=call_id)
            async with scorecard_store(services.database or services.db_path) as store:
                earlier = await store.list_for_call(call_id)

            async def download(fmt: str) -> None:
                record = await load_call_record((services.database or services.db_path), call_id)
                if record is None:
                    ui.notify("The call is gone (deleted by retention?).", type="warning")
                    return
                ui.download(
                    export_call(record, fmt).encode("utf-8"), export_filename(call_id, fmt), MEDIA_TYPES[fmt]
                )

            with ui.row().classes("items-center gap-2"):
                ui.label("Export").classes("text-sm text-gray-600")
                for fmt in CALL_FORMATS:
                    ui.button(fmt.upper(), on_click=lambda fmt=fmt: download(fmt)).props(
                        f'outline dense data-testid="export-{fmt}"'
                    )
                source = recording_source(summary, services.recordings)
                if source:
                    ui.audio(source).props('data-testid="recording"').classes("ml-4")
                else:
                    ui.label("No recording available.").classes("text-sm text-gray-500 ml-4")
            criteria = criteria_or_notice(load_criteria)

            async def save(answers: dict[str, Answer], notes: str, tags: list[str]) -> None:
                assert criteria is not None
                card = score_call(call_id, user.name, criteria, answers, notes=notes, tags=tags)
                async with scorecard_store(services.database or services.db_path) as store:
                    saved = await store.save(card)
                history.add(saved, newest=True)
                ui.notify("Scorecard saved.", type="positive")

            with ui.row().classes("w-full no-wrap items-start gap-4"):
                with ui.column().classes("w-3/5 gap-2"):
                    with (
                        ui.scroll_area()
                        .classes("w-full h-[55vh] border rounded bg-white")
                        .props('data-testid="transcript"')
                    ):
                        for segment in segments:
                            transcript_line(segment)
                        if not segments:
                            ui.label("No transcript.").classes("text-gray-500")
                    if criteria is not None:
                        ScorecardForm(criteria, save)
                    history = ScorecardHistory()
                    for card in earlier:
                        history.add(card)
                with ui.column().classes("w-2/5 gap-2"):
                    metadata_panel().show(summary)
                    chart = SentimentChart()
                    for segment in segments:
                        chart.add(segment, refresh=False)
                    chart.plot.update()
                    panel = alerts_panel(services, user)
                    for alert in reversed(alerts):
                        panel.add(alert)
