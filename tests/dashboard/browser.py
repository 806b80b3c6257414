"""Headless Chromium through selenium and Debian's chromedriver; calls run in a
thread so the server under test keeps its event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from nicegui.testing.general import nicegui_reset_globals

from app.worker import IngestWorker, dashboard_services_for
from dashboard.serving import DashboardServer
from dashboard.settings import DashboardSettings

T = TypeVar("T")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "dashboard"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)


def start_chromium(profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


async def in_browser(action: Callable[[], T]) -> T:
    return await asyncio.to_thread(action)


def wait_for(driver: Any, condition: Callable[[Any], T], timeout: float = 60.0) -> T:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # A live page re-renders while the condition reads it: an element gone stale
    # between finding and reading it means "not yet", not a failure.
    return WebDriverWait(
        driver, timeout, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException,)
    ).until(condition)


def screenshot(driver: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


@asynccontextmanager
async def dashboard_on_worker(
    worker: IngestWorker, tmp_path: Path, secret: str, user: tuple[str, str, str]
) -> AsyncIterator[DashboardServer]:
    """The dashboard served on a free port beside a running `worker` (its Twilio and
    listen routes mounted as under `callmon run`), with one `user` (name, role, password)."""
    services = await dashboard_services_for(
        worker,
        DashboardSettings(host="127.0.0.1", port=0, secret=secret, sessions_path=tmp_path / "sessions"),
    )
    await services.users.add(*user)
    with nicegui_reset_globals():
        server = DashboardServer(services, extra_routes=worker.include_routes)
        await server.start()
        try:
            yield server
        finally:
            await server.stop()
            await services.close()
