"""A supervisor's shift compressed in time, in headless Chromium at 1920x1080:
300 alerts over 100 calls, most of them ended, then 200 live calls on the dense
wallboard. What the supervisor must see first stays on the first screen."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nicegui.testing.general import nicegui_reset_globals
from selenium.webdriver.common.by import By

from alerts.config import AlertSettings
from dashboard.services import DashboardServices, open_standalone
from dashboard.serving import DashboardServer
from dashboard.settings import DashboardSettings
from tests.dashboard.browser import in_browser, screenshot, start_chromium, wait_for
from tests.dashboard.conftest import PASSWORD, add_segment, end_call, raise_alert, start_call

pytestmark = pytest.mark.slow
LEVELS = ("warning", "urgent", "critical")


@pytest.fixture
async def dashboard(tmp_path: Path) -> AsyncIterator[tuple[DashboardServices, DashboardServer]]:
    settings = DashboardSettings(host="127.0.0.1", port=0, secret="shift test secret",
                                 ingest_url="http://127.0.0.1:9", sessions_path=tmp_path / "sessions")  # fmt: skip
    services = await open_standalone(settings, tmp_path / "callmon.db", None, AlertSettings())
    await services.users.add("sup", "supervisor", PASSWORD)
    with nicegui_reset_globals():
        server = DashboardServer(services)
        await server.start()
        try:
            yield services, server
        finally:
            await server.stop()
            await services.close()


@pytest.fixture
async def browser(tmp_path: Path, request: pytest.FixtureRequest):
    driver = await in_browser(lambda: start_chromium(tmp_path / "chromium-profile"))
    await in_browser(lambda: driver.set_window_size(1920, 1080))
    yield driver
    await in_browser(lambda: screenshot(driver, f"last-{request.node.name}"))
    await in_browser(driver.quit)


def css(driver, selector: str):
    return driver.find_elements(By.CSS_SELECTOR, selector)


def log_in(browser, url: str) -> None:
    browser.get(f"{url}/login")
    wait_for(browser, lambda d: css(d, "input[data-testid=login-name]"))[0].send_keys("sup")
    css(browser, "input[data-testid=login-password]")[0].send_keys(PASSWORD)
    css(browser, "[data-testid=login-submit]")[0].click()
    wait_for(browser, lambda d: d.current_url.rstrip("/") == url)


def viewport_height(browser) -> int:
    return int(browser.execute_script("return window.innerHeight"))


def top_of(browser, selector: str) -> float:
    return float(browser.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.getBoundingClientRect().top : 1e9;",
        selector,
    ))  # fmt: skip


async def test_a_shift_of_300_alerts_leaves_the_live_calls_on_the_first_screen(dashboard, browser) -> None:
    services, server = dashboard
    shift_start = time.time() - 3600
    for n in range(100):
        call_id = f"call-{n:03d}"
        await start_call(services, call_id, agent=f"agent{n % 12}", started_at=shift_start + n * 30)
        await add_segment(services, call_id, f"caller line of call {n}", score=-0.4)
        for k in range(3):
            await raise_alert(services, call_id, LEVELS[(n + k) % 3], text=f"alert {k} of call {n}")
        if n < 85:  # most of the shift's calls are over, their alerts never acknowledged
            await end_call(services, call_id)
    await in_browser(lambda: log_in(browser, server.url))

    def check_wallboard() -> None:
        wait_for(browser, lambda d: len(css(d, "[data-testid=call-tile]")) == 15)
        wait_for(browser, lambda d: len(css(d, "[data-testid=inbox-row]")) == 15)
        screenshot(browser, "shift-wallboard-1080p")
        height = viewport_height(browser)
        assert height >= 900, height  # the window really is about 1080p
        assert top_of(browser, "[data-testid=call-tile]") < height
        strip = css(browser, "[data-testid=alert-inbox]")[0]
        assert strip.size["height"] <= 0.15 * height + 1, strip.size
        assert not css(browser, "[data-testid=banner]")
        # The badge counts the open alerts of live calls only: 15 calls x 3 alerts.
        assert css(browser, "[data-testid=alert-count]")[0].text == "45 open alerts"

    await in_browser(check_wallboard)

    def alerts_page_keeps_the_ended_ones() -> None:
        browser.get(f"{server.url}/alerts")
        wait_for(browser, lambda d: "300 alerts" in css(d, "[data-testid=alerts-count]")[0].text)
        wait_for(browser, lambda d: "ended, unacknowledged" in d.page_source)
        screenshot(browser, "shift-alerts-page")

    await in_browser(alerts_page_keeps_the_ended_ones)


async def test_200_live_calls_fit_one_1080p_screen_in_dense_mode(dashboard, browser) -> None:
    services, server = dashboard
    for n in range(200):
        await start_call(services, f"live-{n:03d}", agent=f"agent{n:03d}")
        await add_segment(services, f"live-{n:03d}", f"what caller {n} said last", score=-0.2)
    for n in range(0, 200, 20):
        await raise_alert(services, f"live-{n:03d}", "urgent")
    await in_browser(lambda: log_in(browser, server.url))

    def full_screen_1080p() -> None:
        # A wallboard screen runs the browser full screen: the page gets all 1080 rows.
        chrome = browser.execute_script("return window.outerHeight - window.innerHeight")
        browser.set_window_size(1920, 1080 + int(chrome))
        wait_for(browser, lambda d: viewport_height(d) == 1080, timeout=10)

    await in_browser(full_screen_1080p)

    def check() -> None:
        wait_for(browser, lambda d: len(css(d, "[data-testid=call-tile]")) == 200)
        wait_for(
            browser, lambda d: "callmon-dense" in css(d, "[data-testid=call-grid]")[0].get_attribute("class")
        )
        screenshot(browser, "wallboard-200-calls-dense")
        height = viewport_height(browser)
        assert top_of(browser, "[data-testid=call-tile]") < 400  # below header, strip and controls
        bottoms = browser.execute_script(
            "return [...document.querySelectorAll('[data-testid=call-tile]')]"
            ".map(e => e.getBoundingClientRect().bottom)"
        )
        assert max(bottoms) <= height, (max(bottoms), height)

    await in_browser(check)
