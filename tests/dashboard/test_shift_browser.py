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
from selenium.webdriver.common.keys import Keys

from alerts.config import AlertSettings
from dashboard.services import DashboardServices, open_standalone
from dashboard.serving import DashboardServer
from dashboard.settings import DashboardSettings
from tests.dashboard.browser import in_browser, screenshot, start_chromium, wait_for
from tests.dashboard.conftest import PASSWORD, XSS, add_segment, end_call, raise_alert, start_call
from tests.support.factories import make_segment

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


async def test_grid_tiles_show_text_as_text_order_filter_and_leave_when_calls_end(dashboard, browser) -> None:
    services, server = dashboard
    await start_call(services, "calm", agent="carla")
    await start_call(services, "risky", agent="rick")
    await start_call(services, "foreign", agent="fran")
    await add_segment(services, "calm", XSS)
    await raise_alert(services, "risky", "critical")
    foreign = make_segment("foreign", text="es muy caro", language="es", translation="it is very expensive",
                           sentiment_score=-0.3, rolling_sentiment=-0.4)  # fmt: skip
    await services.bus.publish(await services.calls.add_segment(foreign))
    await in_browser(lambda: log_in(browser, server.url))

    def tiles() -> list[str]:
        return [t.get_attribute("data-call-id") for t in css(browser, "[data-testid=call-tile]")]

    def check() -> None:
        wait_for(browser, lambda d: len(tiles()) == 3 and "caro" in d.page_source)
        assert tiles()[0] == "risky"  # riskiest first: the open critical alert
        risky = css(browser, "[data-call-id=risky] [data-testid=alert-badge]")[0]
        assert risky.text == "1 critical"
        line = css(browser, "[data-call-id=foreign] [data-testid=last-line]")[0]
        assert line.text == "caller: it is very expensive"
        assert line.get_attribute("title") == "es: es muy caro"  # the original on hover
        calm = css(browser, "[data-call-id=calm] [data-testid=last-line]")[0]
        assert calm.text == f"caller: {XSS}"  # text, never markup
        assert not css(browser, "[data-testid=call-grid] img")
        age = css(browser, "[data-call-id=calm] [data-testid=age]")[0]
        assert age.get_attribute("data-started")
        css(browser, "input[data-testid=filter-text]")[0].send_keys("fran")
        wait_for(browser, lambda d: tiles() == ["foreign"])
        assert "3 active calls, 1 shown" in css(browser, "[data-testid=active-count]")[0].text
        screenshot(browser, "wallboard-grid-filtered")
        box = css(browser, "input[data-testid=filter-text]")[0]
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(Keys.BACKSPACE)
        wait_for(browser, lambda d: len(tiles()) == 3)

    await in_browser(check)
    await end_call(services, "risky")

    def ended_call_leaves() -> None:
        wait_for(browser, lambda d: "risky" not in tiles() and len(tiles()) == 2)

    await in_browser(ended_call_leaves)
