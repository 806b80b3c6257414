"""/qa: stored calls for QA reviewers (search and filters come with the QA issue)."""

from __future__ import annotations

from nicegui import ui

from dashboard.auth import SessionUser, guarded_page
from dashboard.layout import frame
from dashboard.roles import QA_PAGES
from dashboard.services import DashboardServices
from dashboard.style import call_path, format_clock, format_score

RECENT = 100


def register(services: DashboardServices) -> None:
    @guarded_page("/qa", QA_PAGES, "Calls")
    async def reviews_page(user: SessionUser) -> None:
        calls = await services.calls.list_calls(RECENT)
        with frame(services, user, "Recent calls"):
            with ui.column().classes("w-full gap-1").props('data-testid="recent-calls"'):
                for call in calls:
                    with ui.row().classes("w-full items-center gap-4 text-sm"):
                        ui.link(call.call_id, call_path(call.call_id)).classes("font-mono")
                        ui.label(call.agent or "–")
                        ui.label(call.status)
                        ui.label(format_clock(call.duration))
                        ui.label(format_score(call.avg_sentiment))
                        ui.label(f"{call.alert_count} alerts")
                if not calls:
                    ui.label("No calls stored yet.").classes("text-gray-500")
