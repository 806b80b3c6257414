"""Serve the dashboard inside an asyncio program that is already running (the
worker's), on its own uvicorn server and port, in the same event loop.

`ui.run()` wants to own the process and its loop; `ui.run_with()` mounts
NiceGUI on a FastAPI app we serve ourselves, and NiceGUI starts its
background loops from that app's lifespan.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from nicegui import app, ui
from nicegui.storage import Storage

from dashboard.app import install
from dashboard.login_guard import SecureCookiesOverHttps
from dashboard.services import DashboardServices
from dashboard.settings import DashboardConfigError
from ingest.http_guard import connection_cap, guarded_http_protocol
from ingest.tasks import spawn

log = logging.getLogger(__name__)


class _ServerWithoutSignals(uvicorn.Server):
    """The command that embeds us owns Ctrl-C; uvicorn must not take it over."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


SESSIONS_KEY_PREFIX = "callmon:sessions:"
"""Where NiceGUI keeps the dashboards' user storage in Redis."""


def use_session_folder(path: Path, redis_url: str | None = None) -> None:
    """Keep NiceGUI's per-user session storage in `path` (not ./.nicegui), or in
    Redis when `redis_url` is given: then a session signed in on one dashboard
    instance is valid on every other behind the same load balancer (NiceGUI's
    Redis storage writes each change there and tells the other instances)."""
    path.mkdir(parents=True, exist_ok=True)
    Storage.path = path.resolve()
    Storage.redis_url = redis_url or None
    Storage.redis_key_prefix = SESSIONS_KEY_PREFIX
    app.storage = Storage()


class DashboardServer:
    """`async with DashboardServer(services) as server: server.url`"""

    def __init__(
        self,
        services: DashboardServices,
        *,
        extra_routes: Callable[[FastAPI], None] | None = None,
        sessions_redis_url: str | None = None,
    ) -> None:
        """`sessions_redis_url`: keep login sessions in that Redis, for several instances."""
        self.services = services
        self._sessions_redis_url = sessions_redis_url
        self._extra_routes = extra_routes
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[Any] | None = None

    async def __aenter__(self) -> DashboardServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None and self._server.servers, "dashboard not started"
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return self.services.settings.url(self.port)

    async def start(self) -> None:
        settings = self.services.settings
        if not settings.secret:
            raise DashboardConfigError("the dashboard needs CALLMON_DASHBOARD_SECRET to sign sessions")
        use_session_folder(
            settings.sessions_path or self.services.db_path.parent / "dashboard-sessions",
            self._sessions_redis_url,
        )
        parent = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        parent.add_middleware(SecureCookiesOverHttps)
        if self._extra_routes is not None:
            self._extra_routes(parent)
        install(self.services)
        ui.run_with(
            parent,
            storage_secret=settings.secret,
            title="callmon",
            favicon="📞",
            show_welcome_message=False,
            reconnect_timeout=10.0,
            # Served over HTTPS (the public URL says so): the session cookie never goes out in clear.
            session_middleware_kwargs={"https_only": (settings.public_url or "").startswith("https://")},
        )
        config = uvicorn.Config(
            parent,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            lifespan="on",
            ws_max_size=1 << 20,
            # A head within 10 s, and no more connections than the open-file limit allows.
            http=guarded_http_protocol(connection_cap()),
        )
        listener = _bind(settings.host, settings.port)  # a taken port fails here, with its reason
        self._server = _ServerWithoutSignals(config)
        self._task = spawn(self._server.serve(sockets=[listener]), name="dashboard-http")
        while not self._server.started:
            if self._task.done():
                raise OSError(f"the dashboard could not start on {settings.host}:{settings.port}")
            await asyncio.sleep(0.02)
        log.info("dashboard on %s", self.url)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.wait({self._task}, timeout=10)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise OSError(f"the dashboard cannot listen on {host}:{port}: {error.strerror}") from None
    sock.set_inheritable(True)
    return sock
