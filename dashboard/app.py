"""Assemble the dashboard on NiceGUI's app: auth, pages, API.

NiceGUI keeps one app per process, so a process serves one dashboard; the
CLI and the browser tests call `install()` once, the `user`-fixture tests once
per test after NiceGUI reset its globals.
"""

from __future__ import annotations

from nicegui import app, ui

from dashboard.api import build_api_router
from dashboard.auth import AuthMiddleware
from dashboard.pages import (
    admin_users,
    agent_chats,
    agent_home,
    agents,
    alerts,
    call_view,
    login,
    qa_review,
    qa_search,
    qa_stats,
    wallboard,
)
from dashboard.services import DashboardServices
from dashboard.style import SHARED_HEAD

PAGES = (
    login,
    wallboard,
    alerts,
    call_view,
    agents,
    qa_search,
    qa_review,
    qa_stats,
    agent_home,
    agent_chats,
    admin_users,
)


def install(services: DashboardServices) -> None:
    """Register middleware, routes and pages; call before the app serves its first request.
    Sessions are signed with the secret given to `ui.run_with`/`ui.run` afterwards."""
    app.add_middleware(AuthMiddleware, users=services.users, public_url=services.settings.public_url)
    app.include_router(build_api_router(services))
    ui.add_head_html(SHARED_HEAD, shared=True)
    for page in PAGES:
        page.register(services)
