"""/agent: an agent's own start page: their calls in progress and the notes a
supervisor sent about them (the translated chat comes with the translation issue)."""

from __future__ import annotations

from nicegui import ui

from dashboard.auth import SessionUser, guarded_page
from dashboard.layout import frame
from dashboard.roles import AGENT_PAGES
from dashboard.services import DashboardServices
from ingest.call_identity import call_agent


def register(services: DashboardServices) -> None:
    @guarded_page("/agent", AGENT_PAGES, "My calls")
    async def agent_page(user: SessionUser) -> None:
        mine = [call for call in services.feed.calls.values() if call_agent(call.summary) == user.name]
        with frame(services, user, "My calls"):
            if not mine:
                ui.label("You have no call in progress.").classes("text-gray-500")
            for call in mine:
                with ui.card().classes("w-full").props('data-testid="my-call"'):
                    ui.label(call.call_id).classes("font-mono text-sm")
                    for note in await services.notes.list_for_call(call.call_id):
                        ui.label(f"{note.author}: {note.text}").props('data-testid="note-text"')
