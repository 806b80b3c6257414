"""Fixtures for the alert tests: segments, and real local servers standing in
for Slack, Resend and an SMTP relay (all on 127.0.0.1, free ports). Redis is
the shared `redis_url` fixture of tests/conftest.py."""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from alert_support import make_segment

from tests.support.servers import free_port


@pytest.fixture
def segment():
    return make_segment


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class HttpServer:
    """A real HTTP server on 127.0.0.1 whose answers the test scripts.

    `statuses` are answered in turn (the last one repeats); `hang` holds every
    request until `release` is set.
    """

    url: str = ""
    statuses: list[int] = field(default_factory=lambda: [200])
    hang: bool = False
    release: asyncio.Event = field(default_factory=asyncio.Event)
    received: list[Received] = field(default_factory=list)
    arrivals: asyncio.Queue[Received] = field(default_factory=asyncio.Queue)

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode(errors="replace")
        seen = Received(request.method, request.path, dict(request.headers), body)
        self.received.append(seen)
        self.arrivals.put_nowait(seen)
        if self.hang:
            await self.release.wait()
        status = self.statuses[min(len(self.received), len(self.statuses)) - 1]
        return web.Response(status=status, text="ok" if status < 300 else "server error")

    async def next_request(self) -> Received:
        # A guard against a hung test, not a timing check.
        return await asyncio.wait_for(self.arrivals.get(), 30)


@pytest.fixture
async def start_http_server() -> AsyncIterator[Callable[[], Awaitable[HttpServer]]]:
    """Starts as many scripted HTTP servers as a test needs."""
    runners: list[tuple[HttpServer, web.AppRunner]] = []

    async def start() -> HttpServer:
        server = HttpServer()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", server.handle)
        runner = web.AppRunner(app, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        server.url = f"http://{host}:{port}"
        runners.append((server, runner))
        return server

    yield start
    for server, runner in runners:
        server.release.set()
        await runner.cleanup()


@pytest.fixture
async def http_server(start_http_server) -> HttpServer:
    return await start_http_server()


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[Any] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert, key)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            shutil.which("openssl") or "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _smtp_server(tls_files: tuple[Path, Path], mode: str) -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    mailbox = Mailbox("127.0.0.1", free_port())

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        if isinstance(auth_data, LoginPassword):
            login, password = auth_data.login.decode(), auth_data.password.decode()
            mailbox.logins.append((login, password))
            return AuthResult(success=(login, password) == ("callmon", "s3cret"), handled=False)
        return AuthResult(success=False, handled=False)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, tls_files))
    kwargs: dict[str, Any] = {"authenticator": authenticator}
    if mode == "starttls":
        kwargs.update(tls_context=context, require_starttls=True, auth_required=True)
    elif mode == "tls":
        # aiosmtpd only knows about TLS it negotiated itself (STARTTLS).
        kwargs.update(ssl_context=context, auth_required=True, auth_require_tls=False)
    else:
        kwargs.update(auth_require_tls=False)
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port, **kwargs)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_starttls(tls_files):
    yield from _smtp_server(tls_files, "starttls")


@pytest.fixture
def smtp_tls(tls_files):
    yield from _smtp_server(tls_files, "tls")


@pytest.fixture
def smtp_plain(tls_files):
    yield from _smtp_server(tls_files, "none")
