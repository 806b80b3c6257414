"""The frame every logged-in page shares: header with navigation, health, the open
alert count (supervisors) and user; the alert inbox strip on the wallboard only;
then the page's own content."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import app, ui

from dashboard.auth import SessionUser
from dashboard.components.alert_inbox import alert_count_badge, alert_inbox
from dashboard.components.health_badge import health_badge
from dashboard.roles import ADMIN_PAGES, AGENT_PAGES, QA_PAGES, SUPERVISOR_PAGES, Role, may_open
from dashboard.services import DashboardServices

NAVIGATION: tuple[tuple[str, str, frozenset[Role]], ...] = (
    ("Wallboard", "/", SUPERVISOR_PAGES),
    ("Alerts", "/alerts", SUPERVISOR_PAGES),
    ("Agents", "/agents", SUPERVISOR_PAGES),
    ("Calls", "/qa", QA_PAGES),
    ("QA stats", "/qa/agents", QA_PAGES),
    ("My calls", "/agent", AGENT_PAGES),
    ("Chats", "/agent/chats", AGENT_PAGES),
    ("Users", "/admin/users", ADMIN_PAGES),
)


@contextmanager
def frame(
    services: DashboardServices, user: SessionUser, title: str, *, inbox: bool = False
) -> Iterator[ui.column]:
    """`inbox`: show the alert inbox strip (the wallboard); other pages get the count badge."""
    with ui.header().classes("items-center gap-4 px-4 py-2 bg-slate-800"):
        ui.label("callmon").classes("text-lg font-bold")
        for label, path, roles in NAVIGATION:
            if may_open(user.role, roles):
                ui.link(label, path).classes("text-white no-underline hover:underline")
        ui.space()
        health_badge(services.health)
        if may_open(user.role, SUPERVISOR_PAGES):
            alert_count_badge(services)
            ui.switch(
                "sound",
                value=bool(app.storage.user.get("sound", False)),
                on_change=lambda e: app.storage.user.update(sound=bool(e.value)),
            ).props("dense dark color=amber")
        ui.label(f"{user.name} · {user.role}").classes("text-sm")
        ui.link("Log out", "/logout").classes("text-white text-sm")
    with ui.column().classes("w-full p-4 gap-3") as content:
        if inbox and may_open(user.role, SUPERVISOR_PAGES):
            alert_inbox(services, user)
        ui.label(title).classes("text-xl font-semibold")
        yield content
