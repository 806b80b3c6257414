"""Fixtures for the Twilio adapter tests: a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi import FastAPI
from twilio_test_support import WAIT_S, CollectingSink

from app.http_app import build_ingest_app
from ingest.settings import IngestSettings
from ingest.tasks import spawn


@dataclass
class RunningApp:
    base_http: str
    base_ws: str
    sink: CollectingSink


ServeApp = Callable[..., Awaitable[RunningApp]]


@pytest.fixture
async def serve() -> AsyncIterator[ServeApp]:
    """Start the ingest app (or a given app) under uvicorn on a free loopback port."""
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def start(
        settings: IngestSettings | None = None,
        *,
        app: FastAPI | None = None,
        sink: CollectingSink | None = None,
    ) -> RunningApp:
        sink = sink or CollectingSink()
        if app is None:
            app = build_ingest_app(settings or IngestSettings(), sink, health=lambda: {"calls": 0})
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        task = spawn(server.serve(sockets=[listener]), name=f"uvicorn-{port}")
        servers.append((server, task))

        async def until_started() -> None:
            while not server.started:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(until_started(), WAIT_S)
        return RunningApp(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}", sink)

    yield start
    for server, task in servers:
        server.should_exit = True
        await asyncio.wait_for(task, WAIT_S)
