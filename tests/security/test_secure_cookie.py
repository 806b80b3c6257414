"""The session cookie over HTTPS (TLS ended by a proxy uvicorn trusts) is `Secure`."""

from __future__ import annotations

import asyncio
import socket

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from dashboard.login_guard import SecureCookiesOverHttps
from ingest.tasks import spawn


async def remember(request: Request) -> PlainTextResponse:
    request.session["id"] = "x"
    return PlainTextResponse("ok")


async def test_session_cookie_is_secure_only_when_the_request_came_over_https() -> None:
    app = Starlette(
        routes=[Route("/", remember)],
        middleware=[Middleware(SecureCookiesOverHttps), Middleware(SessionMiddleware, secret_key="k" * 32)],
    )
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    # uvicorn's own defaults: proxy headers trusted from 127.0.0.1 only.
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = spawn(server.serve(sockets=[listener]), name="cookie-test")
    try:
        while not server.started:
            assert not task.done()
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            plain = await client.get("/")
            proxied = await client.get("/", headers={"X-Forwarded-Proto": "https"})
        assert "secure" not in plain.headers["set-cookie"].lower()
        assert "; secure" in proxied.headers["set-cookie"].lower()
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
