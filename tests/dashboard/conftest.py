"""The dashboard on real SQLite and a real in-process bus, driven by NiceGUI's
simulated `User` (no browser) or, in test_browser.py, by headless Chromium."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from nicegui import core, ui
from nicegui.functions.download import download
from nicegui.functions.navigate import Navigate
from nicegui.functions.notify import notify
from nicegui.testing import User
from nicegui.testing.general import nicegui_reset_globals, prepare_simulation

from alerts.config import AlertSettings
from dashboard.app import install
from dashboard.services import DashboardServices, open_standalone
from dashboard.serving import use_session_folder
from dashboard.settings import DashboardSettings
from ingest.events import AlertRaised, CallStarted, CallSummary, TranscriptSegment
from tests.support.factories import make_segment

PASSWORD = "correct horse battery"
ROLE_USERS = {"sup": "supervisor", "quinn": "qa", "alice": "agent", "root": "admin"}
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[DashboardServices]:
    # The ingest probe points at a closed port: the health indicator has something to show.
    settings = DashboardSettings(
        secret="test secret", ingest_url="http://127.0.0.1:9", sessions_path=tmp_path / "sessions"
    )
    opened = await open_standalone(
        settings, tmp_path / "callmon.db", redis_url=None, alert_settings=AlertSettings()
    )
    for name, role in ROLE_USERS.items():
        await opened.users.add(name, role, PASSWORD)
    yield opened
    await opened.close()


@asynccontextmanager
async def simulated_dashboard(services: DashboardServices) -> AsyncIterator[Callable[[], User]]:
    """NiceGUI's user simulation (as its `user` fixture does it) around our app."""
    with nicegui_reset_globals():
        os.environ["NICEGUI_USER_SIMULATION"] = "true"
        try:
            prepare_simulation()
            assert services.settings.sessions_path is not None
            use_session_folder(services.settings.sessions_path)
            install(services)
            ui.run(storage_secret=services.settings.secret, show_welcome_message=False)
            async with core.app.router.lifespan_context(core.app):
                clients: list[httpx.AsyncClient] = []

                def new_user() -> User:
                    client = httpx.AsyncClient(
                        transport=httpx.ASGITransport(core.app), base_url="http://test"
                    )
                    clients.append(client)
                    return User(client)

                yield new_user
                for client in clients:
                    await client.aclose()
        finally:
            os.environ.pop("NICEGUI_USER_SIMULATION", None)
            ui.navigate = Navigate()
            ui.notify = notify
            ui.download = download


@pytest.fixture
async def new_user(services: DashboardServices) -> AsyncIterator[Callable[[], User]]:
    async with simulated_dashboard(services) as factory:
        yield factory


@pytest.fixture
def logged_in(new_user: Callable[[], User]) -> Callable[[str], Awaitable[User]]:
    """A simulated user with a session for one of ROLE_USERS (logged in over /api/login)."""

    async def log_in(name: str) -> User:
        user = new_user()
        response = await user.http_client.post("/api/login", json={"name": name, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return user

    return log_in


async def start_call(
    services: DashboardServices, call_id: str, *, agent: str = "alice", started_at: float | None = None
) -> None:
    """What the pipeline does when a call starts: store, then publish."""
    event = CallStarted(
        call_id,
        "simulated",
        started_at=started_at or time.time(),
        metadata={"agent": agent, "campaign": "billing", "caller_number": "+15550001"},
    )
    summary = await services.calls.start_call(event)
    summary = await services.calls.update_call(call_id, agent=agent, campaign="billing")
    await services.bus.publish(event)
    await services.bus.publish(summary)


async def add_segment(
    services: DashboardServices,
    call_id: str,
    text: str,
    *,
    speaker: str = "caller",
    score: float = 0.0,
    keywords: tuple[str, ...] = (),
    profanity: tuple[str, ...] = (),
    start: float = 0.0,
    translation: str | None = None,
) -> TranscriptSegment:
    segment = make_segment(
        call_id,
        speaker=speaker,
        start=start,
        end=start + 2.0,
        text=text,
        engine="test",
        sentiment_score=score,
        keywords=keywords,
        profanity=profanity,
        translation=translation,
        rolling_sentiment=score,
    )
    stored = await services.calls.add_segment(segment)
    await services.bus.publish(stored)
    return stored


async def raise_alert(
    services: DashboardServices, call_id: str, level: str = "critical", text: str = "i will call my lawyer"
) -> AlertRaised:
    alert = AlertRaised(
        id=f"alert-{time.monotonic_ns()}",
        call_id=call_id,
        level=level,
        rules=("legal_threat",),
        reasons=("legal threat: lawyer",),
        text=text,
        speaker="caller",
        score=-0.6,
        rolling_score=-0.4,
        agent="alice",
    )
    await services.alerts.store.add_alert(alert)  # type: ignore[attr-defined]
    await services.bus.publish(alert)
    return alert


async def end_call(services: DashboardServices, call_id: str) -> CallSummary:
    from ingest.events import CallEnded

    event = CallEnded(call_id, "hangup")
    summary = await services.calls.end_call(event)
    await services.bus.publish(event)
    await services.bus.publish(summary)
    return summary


__all__ = [
    "PASSWORD",
    "ROLE_USERS",
    "XSS",
    "add_segment",
    "end_call",
    "raise_alert",
    "replace",
    "simulated_dashboard",
    "start_call",
]
