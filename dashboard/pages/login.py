"""/login: name and password; then on to the page asked for, or the role's start page."""

from __future__ import annotations

from urllib.parse import urlsplit

from nicegui import ui
from starlette.responses import RedirectResponse

from dashboard.auth import current_user, sign_in
from dashboard.roles import home_for
from dashboard.services import DashboardServices


def safe_next(next_path: str | None, fallback: str) -> str:
    """Only local paths: a login link must not send people to another site."""
    if not next_path or not next_path.startswith("/") or next_path.startswith("//"):
        return fallback
    parts = urlsplit(next_path)
    return fallback if parts.scheme or parts.netloc or next_path.startswith("/login") else next_path


def register(services: DashboardServices) -> None:
    @ui.page("/login", title="Log in · callmon")
    async def login_page(next: str | None = None) -> RedirectResponse | None:
        user = current_user()
        if user is not None:
            return RedirectResponse(safe_next(next, home_for(user.role)), status_code=303)

        async def try_login() -> None:
            found = await services.users.authenticate(name.value or "", password.value or "")
            if found is None:
                message.text = "Wrong name or password."
                password.value = ""
                return
            sign_in(found)
            ui.navigate.to(safe_next(next, home_for(found.role)))

        with ui.card().classes("absolute-center w-80"):
            ui.label("callmon").classes("text-2xl font-bold")
            name = ui.input("Name").props('autofocus data-testid="login-name"').classes("w-full")
            password = (
                ui.input("Password", password=True, password_toggle_button=True)
                .props('data-testid="login-password"')
                .classes("w-full")
                .on("keydown.enter", try_login)
            )
            message = ui.label().classes("text-red-700 text-sm")
            ui.button("Log in", on_click=try_login).props('data-testid="login-submit"').classes("w-full")
        return None
