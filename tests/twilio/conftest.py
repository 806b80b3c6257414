"""Fixtures for the Twilio adapter tests: a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from twilio_test_support import CollectingSink

from app.http_app import build_ingest_app
from ingest.settings import IngestSettings
from tests.support.asgi import ServedApp, serve_asgi
from tests.support.replay import unpaced


@dataclass
class RunningApp:
    base_http: str
    base_ws: str
    sink: CollectingSink


ServeApp = Callable[..., Awaitable[RunningApp]]


@pytest.fixture
async def serve() -> AsyncIterator[ServeApp]:
    """Start the ingest app (or a given app) under uvicorn on a free loopback port."""
    served: list[ServedApp] = []

    async def start(
        settings: IngestSettings | None = None,
        *,
        app: FastAPI | None = None,
        sink: CollectingSink | None = None,
        paced: bool = False,
    ) -> RunningApp:
        """`paced`: keep the settings' audio pacing (tests send faster than real time)."""
        sink = sink or CollectingSink()
        if app is None:
            settings = settings or IngestSettings()
            app = build_ingest_app(
                settings if paced else unpaced(settings), sink, health=lambda: {"calls": 0}
            )
        running = await serve_asgi(app)
        served.append(running)
        return RunningApp(running.http_url, running.ws_url, sink)

    yield start
    for running in served:
        await running.stop()
