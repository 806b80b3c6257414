"""/admin/users: who can log in, with which role (changes: `callmon users ...`)."""

from __future__ import annotations

import time

from nicegui import ui

from dashboard.auth import SessionUser, guarded_page
from dashboard.layout import frame
from dashboard.roles import ADMIN_PAGES
from dashboard.services import DashboardServices


def register(services: DashboardServices) -> None:
    @guarded_page("/admin/users", ADMIN_PAGES, "Users")
    async def users_page(user: SessionUser) -> None:
        users = await services.users.list()
        with frame(services, user, "Users"):
            ui.label("Add, remove or change users with `callmon users add|remove|passwd|list`.").classes(
                "text-sm text-gray-600"
            )
            ui.table(
                columns=[
                    {"name": "name", "label": "Name", "field": "name", "align": "left"},
                    {"name": "role", "label": "Role", "field": "role", "align": "left"},
                    {"name": "since", "label": "Since", "field": "since", "align": "left"},
                ],
                rows=[
                    {
                        "name": u.name,
                        "role": u.role,
                        "since": time.strftime("%Y-%m-%d", time.localtime(u.created_at)),
                    }
                    for u in users
                ],
                row_key="name",
            ).classes("w-full").props('data-testid="users"')
