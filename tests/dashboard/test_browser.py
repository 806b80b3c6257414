"""A real worker, the dashboard on its own port, headless Chromium, a simulated call."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from app.worker import IngestWorker
from ingest.events import TranscriptSegment
from ingest.settings import IngestSettings
from simulator.dialing import Target, dial_twilio
from simulator.scripts import find_script
from simulator.timeline import render_call
from tests.dashboard.browser import dashboard_on_worker, in_browser, screenshot, start_chromium, wait_for
from tests.dashboard.conftest import PASSWORD, XSS
from tests.support.replay import REPLAYED

pytestmark = pytest.mark.slow


@pytest.fixture
async def live_dashboard(tmp_path: Path):
    settings = IngestSettings(
        db_path=tmp_path / "callmon.db",
        audiosocket_host="127.0.0.1",
        audiosocket_port=0,
        http_host="127.0.0.1",
        http_port=0,
        asr="sphinx",
        asr_threads=2,
        **REPLAYED,  # the call is dialled at twice real time
    )
    async with (
        IngestWorker(settings) as worker,
        dashboard_on_worker(
            worker, tmp_path, "browser test secret", ("sup", "supervisor", PASSWORD)
        ) as server,
    ):
        yield worker, server


@pytest.fixture
async def browser(tmp_path: Path, request: pytest.FixtureRequest):
    driver = await in_browser(lambda: start_chromium(tmp_path / "chromium-profile"))
    yield driver
    # What the browser showed when a test failed: the first thing to look at.
    await in_browser(lambda: screenshot(driver, f"last-{request.node.name}"))
    await in_browser(driver.quit)


def css(driver, selector: str):
    return driver.find_elements(By.CSS_SELECTOR, selector)


async def test_supervisor_watches_a_live_angry_call(live_dashboard, browser, tmp_path) -> None:
    worker, server = live_dashboard
    audio = await asyncio.to_thread(render_call, find_script("legal_threat"))

    def log_in() -> None:
        browser.get(f"{server.url}/login")
        wait_for(browser, lambda d: css(d, "input[data-testid=login-name]"))[0].send_keys("sup")
        css(browser, "input[data-testid=login-password]")[0].send_keys(PASSWORD)
        css(browser, "[data-testid=login-submit]")[0].click()
        wait_for(browser, lambda d: d.current_url.rstrip("/") == server.url)
        wait_for(browser, lambda d: "No calls in progress." in d.page_source)

    await in_browser(log_in)
    # Twilio's Media Stream goes to the dashboard's port: it serves the Twilio routes too.
    target = Target("127.0.0.1", worker.audiosocket_port, server.port)
    dialing = asyncio.create_task(
        dial_twilio(
            audio,
            target,
            speed=2.0,
            call_sid="CAbrowser",
            parameters={"agent": "alice", "campaign": "billing"},
        )
    )

    def watch_wallboard_then_open_call() -> None:
        tile = wait_for(browser, lambda d: css(d, "[data-testid=call-tile]"))[0]
        assert "alice" in tile.text
        wait_for(browser, lambda d: "caller:" in css(d, "[data-testid=last-line]")[0].text)
        screenshot(browser, "wallboard")
        css(tile, "a")[0].click()
        wait_for(browser, lambda d: d.current_url.endswith("/calls/CAbrowser"))

    await in_browser(watch_wallboard_then_open_call)

    def transcript_grows() -> int:
        first = len(wait_for(browser, lambda d: css(d, "[data-testid=transcript-line]")))
        wait_for(browser, lambda d: len(css(d, "[data-testid=transcript-line]")) > first, timeout=90)
        return len(css(browser, "[data-testid=transcript-line]"))

    assert await in_browser(transcript_grows) >= 2

    def acknowledge_in_call_view() -> str:
        row = wait_for(browser, lambda d: css(d, "[data-testid=call-alert]"), timeout=120)[0]
        alert_id = row.get_attribute("data-alert-id")
        screenshot(browser, "call-view-with-alert")
        assert not css(browser, "[data-testid=alert-inbox]")  # the strip is the wallboard's only
        css(row, "[data-testid=call-ack]")[0].click()
        wait_for(browser, lambda d: "acknowledged by sup" in css(d, f"[data-alert-id='{alert_id}']")[0].text)
        return alert_id

    alert_id = await in_browser(acknowledge_in_call_view)
    stored = await worker.alerts.store.get_alert(alert_id)
    assert stored.acknowledged_by == "sup" and stored.acknowledged_at is not None

    # A hostile transcript line, stored and published the way the pipeline does it.
    segment = await worker.store.add_segment(
        TranscriptSegment("CAbrowser", "caller", 99.0, 100.0, XSS, 0.9, "en", "test", 0.0, "neutral")
    )
    await worker.bus.publish(segment)

    def hostile_line_is_text() -> None:
        wait_for(browser, lambda d: any(XSS in e.text for e in css(d, "[data-testid=line-text]")))
        assert not css(browser, "[data-testid=transcript] img")
        with pytest.raises(NoAlertPresentException):
            _ = browser.switch_to.alert  # the property raises when no alert() is open
        screenshot(browser, "call-view-literal-html")

    await in_browser(hostile_line_is_text)
    await asyncio.wait_for(dialing, timeout=120)
