"""Listen-in in headless Chromium: a supervisor opens a live call, clicks Listen,
the page receives and decodes the call's audio, shows it is listening, and Stop
ends the listen (audited) while the call goes on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from app.worker import ComponentSettings, IngestWorker
from bench.crash_worker import SlowNumberedRecognizer
from bench.listen_worker import worker_settings
from bench.live_call import LiveCall, tone_frame
from dashboard.serving import DashboardServer
from ingest.storage.listen_audit import ListenAuditStore
from tests.dashboard.browser import dashboard_on_worker, in_browser, screenshot, start_chromium, wait_for
from tests.dashboard.conftest import PASSWORD

pytestmark = pytest.mark.slow
SECRET = "browser listen secret 0123456789 abcdefghijklmnop"


@pytest.fixture
async def live_dashboard(tmp_path: Path) -> AsyncIterator[tuple[IngestWorker, DashboardServer]]:
    settings = worker_settings(tmp_path / "callmon.db", None, 5.0)
    async with (
        IngestWorker(
            settings, ComponentSettings(listen_secret=SECRET), engine=SlowNumberedRecognizer(0.0)
        ) as worker,
        dashboard_on_worker(worker, tmp_path, SECRET, ("sup", "supervisor", PASSWORD)) as server,
    ):
        yield worker, server


@pytest.fixture
async def browser(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    driver = await in_browser(lambda: start_chromium(tmp_path / "chromium-profile"))
    yield driver
    await in_browser(lambda: screenshot(driver, f"last-{request.node.name}"))
    await in_browser(driver.quit)


def css(driver: Any, selector: str) -> list[Any]:
    return driver.find_elements(By.CSS_SELECTOR, selector)


def player_stats(driver: Any) -> dict[str, Any]:
    return driver.execute_script("return window.callmonListen ? {...window.callmonListen.stats} : {}") or {}


async def test_a_supervisor_listens_to_a_live_call_in_the_browser(live_dashboard, browser) -> None:  # type: ignore[no-untyped-def]
    worker, server = live_dashboard
    async with LiveCall(worker.audiosocket_port, tone_frame) as call:

        def log_in_and_open_the_call() -> None:
            browser.get(f"{server.url}/login")
            wait_for(browser, lambda d: css(d, "input[data-testid=login-name]"))[0].send_keys("sup")
            css(browser, "input[data-testid=login-password]")[0].send_keys(PASSWORD)
            css(browser, "[data-testid=login-submit]")[0].click()
            wait_for(browser, lambda d: d.current_url.rstrip("/") == server.url)
            wait_for(browser, lambda d: css(d, "[data-testid=call-tile]"))
            browser.get(f"{server.url}/calls/{call.call_id}")
            wait_for(browser, lambda d: css(d, "[data-testid=listen-start]"))[0].click()

        await in_browser(log_in_and_open_the_call)

        def hears_the_call() -> dict[str, Any]:
            # Received, decoded, and pulled by the Web Audio graph (the audio is played).
            stats = wait_for(
                browser,
                lambda d: (s := player_stats(d)).get("frames", 0) >= 25 and s.get("played", 0) > 0 and s,
                30,
            )
            wait_for(browser, lambda d: "Listening live" in css(d, "#callmon-listen-state")[0].text)
            assert css(browser, "[data-testid=listen-stop]")[0].is_displayed()
            assert not css(browser, "[data-testid=listen-start]")[0].is_displayed()
            screenshot(browser, "listen-in")
            return stats

        stats = await in_browser(hears_the_call)
        assert stats["decodedSamples"] > 0 and stats["firstFrameMs"] is not None
        assert stats["wireFormat"] == 2  # mu-law: half the bytes of 16-bit PCM
        print(f"listen-in in Chromium: {stats}")
        assert worker.listen_tap.listener_count(call.call_id) == 1

        def stop() -> None:
            css(browser, "[data-testid=listen-stop]")[0].click()
            wait_for(browser, lambda d: "Listening stopped" in css(d, "#callmon-listen-state")[0].text)
            assert css(browser, "[data-testid=listen-start]")[0].is_displayed()

        await in_browser(stop)
        async with asyncio.timeout(10):
            while worker.listen_tap.listener_count():
                await asyncio.sleep(0.05)
        assert call.call_id in worker.pipeline.active_call_ids
    audit = await ListenAuditStore.open(worker.settings.db_path)
    try:
        (record,) = await audit.for_call(call.call_id)
    finally:
        await audit.close()
    assert (record.user, record.role) == ("sup", "supervisor")
    assert record.stopped_at is not None and record.frames_sent >= 25
