"""QA search and user management in headless Chromium: what only a browser shows
(the address bar and back button, headers over their columns, an open page
thrown out when its user's role changes). Screenshots under test-output/."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from nicegui.testing.general import nicegui_reset_globals
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from alerts.config import AlertSettings
from dashboard.services import open_standalone
from dashboard.serving import DashboardServer
from dashboard.settings import DashboardSettings
from tests.dashboard.browser import in_browser, screenshot, start_chromium, wait_for
from tests.dashboard.conftest import PASSWORD
from tests.qa.conftest import write_store

pytestmark = pytest.mark.slow


@pytest.fixture
async def dashboard(tmp_path: Path):
    db = tmp_path / "callmon.db"
    await write_store(db)
    settings = DashboardSettings(
        host="127.0.0.1", port=0, secret="screens browser secret", ingest_url="http://127.0.0.1:9",
        sessions_path=tmp_path / "sessions",
    )  # fmt: skip
    services = await open_standalone(settings, db, redis_url=None, alert_settings=AlertSettings())
    for name, role in {"root": "admin", "quinn": "qa", "alice": "agent"}.items():
        await services.users.add(name, role, PASSWORD)
    with nicegui_reset_globals():
        server = DashboardServer(services)
        await server.start()
        try:
            yield server
        finally:
            await server.stop()
            await services.close()


@pytest.fixture
async def browsers(tmp_path: Path, request: pytest.FixtureRequest):
    started = []

    async def start(name: str):
        driver = await in_browser(lambda: start_chromium(tmp_path / f"profile-{name}"))
        started.append((name, driver))
        return driver

    yield start
    for name, driver in started:
        await in_browser(lambda: screenshot(driver, f"last-{request.node.name}-{name}"))  # noqa: B023
        await in_browser(driver.quit)


def css(driver, selector: str):
    return driver.find_elements(By.CSS_SELECTOR, selector)


def log_in(driver, url: str, name: str) -> None:
    driver.get(f"{url}/login")
    wait_for(driver, lambda d: css(d, "input[data-testid=login-name]"))[0].send_keys(name)
    css(driver, "input[data-testid=login-password]")[0].send_keys(PASSWORD)
    css(driver, "[data-testid=login-submit]")[0].click()
    wait_for(driver, lambda d: "/login" not in d.current_url)


def hit_ids(driver) -> set[str]:
    return {card.get_attribute("data-call-id") for card in css(driver, "[data-testid=search-hit]")}


async def test_qa_search_in_the_address_bar_with_headers_and_back(dashboard, browsers) -> None:
    browser = await browsers("quinn")
    url = dashboard.url

    def search_or() -> None:
        log_in(browser, url, "quinn")
        browser.get(f"{url}/qa")
        box = wait_for(browser, lambda d: css(d, "input[data-testid=search-text]"))[0]
        wait_for(browser, lambda d: "Calls 1–8 of 8" in d.page_source)
        box.send_keys('"a refund" OR zanzibar', Keys.ENTER)
        wait_for(browser, lambda d: "q=" in d.current_url and "Calls 1–4 of 4" in d.page_source)
        assert parse_qs(urlparse(browser.current_url).query)["q"] == ['"a refund" OR zanzibar']
        assert hit_ids(browser) == {"c01", "c03", "c06", "c08"}
        # The column labels sit over their values.
        header = css(browser, "[data-testid=result-header] > *")
        labels = [h.text.strip().lower() for h in header]
        assert labels[:3] == ["call", "started", "agent"]
        first_row = css(browser, "[data-testid=search-hit] [role=row]")[0]
        cells = first_row.find_elements(By.XPATH, "./*")
        for label, cell in zip(header[:4], cells[:4], strict=True):
            assert abs(label.location["x"] - cell.location["x"]) <= 20, (label.text, cell.text)
        screenshot(browser, "qa-search-or-with-headers")

    await in_browser(search_or)

    def reversed_dates_then_back() -> None:
        css(browser, "[data-testid=filters]")[0].click()
        date_from = wait_for(
            browser, lambda d: [e for e in css(d, "input[data-testid=date-from]") if e.is_displayed()]
        )[0]
        date_from.send_keys("2026-11-05")
        css(browser, "input[data-testid=date-to]")[0].send_keys("2026-11-01", Keys.ENTER)
        wait_for(browser, lambda d: "from date 2026-11-05 is after to date 2026-11-01" in d.page_source)
        assert hit_ids(browser) == set()
        assert "date_from=2026-11-05" in browser.current_url
        screenshot(browser, "qa-search-reversed-dates")
        browser.back()
        wait_for(browser, lambda d: "Calls 1–4 of 4" in d.page_source and "date_from" not in d.current_url)
        assert hit_ids(browser) == {"c01", "c03", "c06", "c08"}
        # A bookmark opened in a fresh page gives the same search.
        browser.get(f"{url}/qa?agent=A1&campaign=BILLING")
        wait_for(browser, lambda d: "Calls 1–2 of 2" in d.page_source)
        assert hit_ids(browser) == {"c01", "c07"}

    await in_browser(reversed_dates_then_back)


async def test_role_change_throws_the_open_page_out(dashboard, browsers) -> None:
    admin, agent = await browsers("root"), await browsers("alice")
    url = dashboard.url

    def agent_on_their_page() -> None:
        log_in(agent, url, "alice")
        wait_for(agent, lambda d: urlparse(d.current_url).path == "/agent")

    await in_browser(agent_on_their_page)

    def admin_promotes_alice() -> None:
        log_in(admin, url, "root")
        admin.get(f"{url}/admin/users")
        row = wait_for(admin, lambda d: css(d, "[data-testid=manage-user][data-user=alice]"))[0]
        row.find_element(By.CSS_SELECTOR, ".q-select").click()
        option = wait_for(admin, lambda d: [o for o in css(d, ".q-item") if o.text.strip() == "supervisor"])[
            0
        ]
        option.click()
        next(
            b for b in row.find_elements(By.CSS_SELECTOR, "button") if "change role" in b.text.lower()
        ).click()
        wait_for(admin, lambda d: "alice is now supervisor." in d.page_source)
        wait_for(admin, lambda d: "agent → supervisor" in d.page_source)
        screenshot(admin, "admin-users-role-changed")

    await in_browser(admin_promotes_alice)
    # Alice's open page was told to reload; the middleware sent it to the login page.
    await in_browser(lambda: wait_for(agent, lambda d: urlparse(d.current_url).path == "/login", timeout=30))
    await in_browser(lambda: screenshot(agent, "agent-logged-out-after-role-change"))
