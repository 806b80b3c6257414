"""/login: name and password; then on to the page asked for, or the role's start page."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from fastapi import Request
from nicegui import app, ui
from starlette.responses import RedirectResponse

from dashboard.auth import LoginThrottled, authenticate_throttled, current_user, renew_session, sign_in
from dashboard.roles import home_for
from dashboard.services import DashboardServices


def safe_next(next_path: str | None, fallback: str) -> str:
    """Only local paths: a login link must not send people to another site. Browsers
    read a backslash as a slash (``/\\evil`` is ``//evil``) and drop tabs and newlines."""
    if not next_path or not next_path.startswith("/") or next_path.startswith("//"):
        return fallback
    if "\\" in next_path or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in next_path):
        return fallback
    parts = urlsplit(next_path)
    return fallback if parts.scheme or parts.netloc or next_path.startswith("/login") else next_path


def register(services: DashboardServices) -> None:
    @app.get("/login/complete")
    async def complete_login(request: Request, ticket: str = "", next: str | None = None) -> RedirectResponse:
        """Finish a login made on the page: a new session id, then the user, then on."""
        name = services.login_tickets.redeem(ticket)
        found = await services.users.get(name) if name else None
        if found is None:
            return RedirectResponse("/login", status_code=303)
        await renew_session(request)
        sign_in(found)
        return RedirectResponse(safe_next(next, home_for(found.role)), status_code=303)

    @ui.page("/login", title="Log in · callmon")
    async def login_page(request: Request, next: str | None = None) -> RedirectResponse | None:
        user = current_user()
        if user is not None:
            return RedirectResponse(safe_next(next, home_for(user.role)), status_code=303)
        address = request.client.host if request.client else None

        async def try_login() -> None:
            try:
                found = await authenticate_throttled(
                    services.users, services.login_throttle, name.value or "", password.value or "", address
                )
            except LoginThrottled as throttled:
                message.text = f"Too many failed attempts. Try again in {throttled.retry_after:.0f} s."
                password.value = ""
                return
            if found is None:
                message.text = "Wrong name or password."
                password.value = ""
                return
            ticket = services.login_tickets.issue(found.name)
            target = safe_next(next, home_for(found.role))
            ui.navigate.to(f"/login/complete?ticket={ticket}&next={quote(target, safe='')}")

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
