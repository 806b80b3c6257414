"""Who is logged in, and what they may open.

Sessions: NiceGUI's signed session cookie (Starlette's SessionMiddleware, keyed
with CALLMON_DASHBOARD_SECRET) identifies the browser; the logged-in user
lives in `app.storage.user` on the server, with the moment they logged in.
Every request re-reads the user from the database: a removed user, or one
whose role or password changed after they logged in (`sessions_valid_after`),
is sent to /login. Pages already open in a browser are told to reload by
`end_sessions()`, so the same check throws them out at once too.
"""

from __future__ import annotations

import html
import inspect
import logging
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import HTTPException, Request
from nicegui import Client, app, ui
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dashboard.login_guard import LoginThrottle
from dashboard.roles import Role, home_for, may_open
from dashboard.users import DashboardUser, UserStore

log = logging.getLogger(__name__)
SESSION_KEY = "user"
PUBLIC_PATHS = frozenset({"/login", "/login/complete", "/healthz", "/api/login", "/favicon.ico"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

PUBLIC_PREFIXES = ("/_nicegui/", "/_nicegui_ws/", "/twilio/")
"""NiceGUI's own assets and websocket (a socket only reaches pages served after
login), and the Twilio endpoints, which check Twilio's signature instead."""


@dataclass(frozen=True, slots=True)
class SessionUser:
    name: str
    role: str


def current_user() -> SessionUser | None:
    data = app.storage.user.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    return SessionUser(str(data["name"]), str(data["role"]))


def sign_in(user: DashboardUser, since: float | None = None) -> None:
    app.storage.user[SESSION_KEY] = {
        "name": user.name,
        "role": user.role,
        "since": time.time() if since is None else since,
    }


def session_started_at() -> float:
    """When this browser's user logged in (0 for sessions from before this was kept)."""
    data = app.storage.user.get(SESSION_KEY)
    since = data.get("since") if isinstance(data, dict) else None
    return float(since) if isinstance(since, (int, float)) else 0.0


_open_pages: dict[str, weakref.WeakSet[Client]] = {}
"""The page connections each user has open, so their sessions can be ended live."""


def end_sessions(name: str) -> int:
    """Make every page `name` has open reload now: the reload passes through the
    middleware, which sends them to /login. Returns how many pages were told."""
    told = 0
    for client in list(_open_pages.pop(name, ())):
        if client.id in Client.instances:
            client.run_javascript("window.location.reload()")
            told += 1
    return told


def sign_out() -> None:
    app.storage.user.pop(SESSION_KEY, None)


async def renew_session(request: Request) -> None:
    """Give this browser a new session id (call at login, before `sign_in`).

    An id handed out before login (or planted by someone else) must not become
    an authenticated session. NiceGUI keys `app.storage.user` by the id in the
    signed cookie; its storage is created by its own middleware, so this reaches
    into NiceGUI's (private) user-storage table to create the new one."""
    storage = app.storage
    old_id = request.session.get("id")
    if old_id is not None and old_id in storage._users:
        storage._users[old_id].pop(SESSION_KEY, None)
    new_id = str(uuid.uuid4())
    request.session["id"] = new_id
    await storage._create_user_storage(new_id)


class LoginThrottled(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after:.0f} s")
        self.retry_after = retry_after


async def authenticate_throttled(
    users: UserStore, throttle: LoginThrottle, name: str, password: str, address: str | None
) -> DashboardUser | None:
    """The user for a right password; None for a wrong one; `LoginThrottled` while the
    account or the address must wait (the password is then not even checked)."""
    keys = throttle.keys(name, address)
    wait = throttle.retry_after(keys)
    if wait > 0:
        log.warning("login for %r from %s refused: throttled for %.1f s", name[:64], address, wait)
        raise LoginThrottled(wait)
    # Counted before the (slow) check, so parallel guesses are throttled too.
    throttle.failed(keys)
    user = await users.authenticate(name, password)
    if user is None:
        log.warning("failed login for %r from %s", name[:64], address)
        return None
    throttle.succeeded(keys)
    return user


def same_origin(request: Request, allowed_hosts: tuple[str, ...] = ()) -> bool:
    """False when a browser says the request comes from another site's page."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not sent by browsers on same-origin GETs, nor by non-browser clients
    host = urlsplit(origin).netloc.lower()
    return host == request.headers.get("host", "").lower() or host in allowed_hosts


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class AuthMiddleware(BaseHTTPMiddleware):
    """Pages without a login go to /login; API routes answer 401."""

    def __init__(self, asgi_app: Any, users: UserStore, public_url: str | None = None) -> None:
        super().__init__(asgi_app)
        self._users = users
        self._allowed_hosts = (urlsplit(public_url).netloc.lower(),) if public_url else ()

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        if (
            request.method not in SAFE_METHODS
            and not path.startswith("/twilio/")
            and not same_origin(request, self._allowed_hosts)
        ):
            # CSRF: a form on another site (even another origin of the same site) must not
            # acknowledge alerts, add notes or log someone in. Twilio signs its requests.
            log.warning("refused %s %s from origin %s", request.method, path, request.headers.get("origin"))
            return JSONResponse({"detail": "cross-origin request refused"}, status_code=403)
        if is_public(path):
            return await call_next(request)
        session = current_user()
        stored = await self._users.get(session.name) if session else None
        if stored is not None and session_started_at() < stored.sessions_valid_after:
            stored = None  # their role or password changed since they logged in
        if stored is None:
            if session is not None:
                sign_out()  # the user was removed or changed since they logged in
            if path.startswith("/api/"):
                return JSONResponse({"detail": "login required"}, status_code=401)
            return RedirectResponse(f"/login?next={quote(path)}", status_code=303)
        if session is None or stored.role != session.role:
            sign_in(stored, session_started_at())
        return await call_next(request)


def forbidden(user: SessionUser) -> Response:
    home = home_for(user.role)
    body = (
        f"<!doctype html><title>Not allowed</title><h1>Not allowed</h1>"
        f"<p>{html.escape(user.name)} ({html.escape(user.role)}) cannot open this page.</p>"
        f'<p><a href="{html.escape(home)}">Go to your start page</a></p>'
    )
    return HTMLResponse(body, status_code=403)


def guarded_page(path: str, roles: frozenset[Role], title: str) -> Callable[[Callable[..., Any]], Any]:
    """`ui.page` for logged-in users whose role is in `roles`; others get 403.
    The page function receives the `SessionUser` as `user=`."""

    def decorate(build: Callable[..., Any]) -> Any:
        async def page(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:  # the middleware normally answers first
                return RedirectResponse(f"/login?next={quote(path)}", status_code=303)
            if not may_open(user.role, roles):
                return forbidden(user)
            _open_pages.setdefault(user.name, weakref.WeakSet()).add(ui.context.client)
            return await build(*args, user=user, **kwargs)

        # NiceGUI/FastAPI read the path parameters from the signature: `user` is ours.
        signature = inspect.signature(build)
        page.__signature__ = signature.replace(  # type: ignore[attr-defined]  # inspect honours it on functions
            parameters=[p for p in signature.parameters.values() if p.name != "user"]
        )
        page.__name__, page.__qualname__ = build.__name__, build.__qualname__
        page.__module__ = build.__module__
        return ui.page(path, title=f"{title} · callmon")(page)

    return decorate


def require_role(request: Request, roles: frozenset[Role]) -> SessionUser:
    """For API routes: the logged-in user, or 401/403."""
    user = current_user()
    if user is None:
        raise HTTPException(status_code=401, detail="login required")
    if not may_open(user.role, roles):
        raise HTTPException(status_code=403, detail=f"role {user.role} may not do this")
    return user
