"""An agent answers a Spanish caller through the translated chat, in headless Chromium,
against `callmon run`'s arrangement: a real worker, the dashboard serving its routes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By

from app.worker import IngestWorker
from ingest.settings import IngestSettings
from tests.dashboard.browser import dashboard_on_worker, in_browser, screenshot, start_chromium, wait_for
from tests.dashboard.conftest import PASSWORD

pytestmark = pytest.mark.slow
CALL = "CAchatbrowser1"
FORM = {"CallSid": CALL, "From": "+34600000077"}


@pytest.fixture
async def chat_dashboard(tmp_path: Path):
    settings = IngestSettings(
        db_path=tmp_path / "callmon.db",
        audiosocket_host="127.0.0.1",
        audiosocket_port=0,
        http_host="127.0.0.1",
        http_port=0,
        asr="sphinx",
        asr_threads=1,
    )
    async with (
        IngestWorker(settings, alerts_enabled=False) as worker,
        dashboard_on_worker(worker, tmp_path, "chat browser secret", ("alice", "agent", PASSWORD)) as server,
    ):
        yield server


def css(driver, selector: str):
    return driver.find_elements(By.CSS_SELECTOR, selector)


async def test_agent_picks_up_reads_translation_replies_and_sees_it_spoken(chat_dashboard, tmp_path) -> None:
    server = chat_dashboard
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as twilio:

        async def post(url: str, form: dict[str, str]) -> ET.Element:
            response = await twilio.post(url, data=form)
            assert response.status_code == 200, response.text
            return ET.fromstring(response.text)

        menu = await post("/twilio/chat/voice", FORM)
        listen = await post(menu.find("Gather").get("action"), {**FORM, "Digits": "2"})
        hold = await post(
            listen.find("Gather").get("action"), {**FORM, "SpeechResult": "quiero cancelar mi cuenta"}
        )
        poll_url = hold.find("Redirect").text

        driver = await in_browser(lambda: start_chromium(tmp_path / "chromium-profile"))
        try:

            def pick_up_read_and_reply() -> None:
                driver.get(f"{server.url}/login?next=/agent/chats")
                wait_for(driver, lambda d: css(d, "input[data-testid=login-name]"))[0].send_keys("alice")
                css(driver, "input[data-testid=login-password]")[0].send_keys(PASSWORD)
                css(driver, "[data-testid=login-submit]")[0].click()
                waiting = wait_for(driver, lambda d: css(d, "[data-testid=waiting-chat]"))[0]
                assert "es" in waiting.text
                next(
                    b for b in waiting.find_elements(By.TAG_NAME, "button") if "PICK UP" in b.text.upper()
                ).click()
                line = wait_for(driver, lambda d: css(d, "[data-testid=caller-line]"))[0]
                wait_for(driver, lambda d: "cancel my account" in css(d, "[data-testid=caller-line]")[0].text)
                assert "quiero" not in line.text  # the agent reads English; the original is on demand
                css(
                    driver,
                    "[data-testid=reply-box] textarea, textarea[data-testid=reply-box], "
                    "[data-testid=reply-box] input, input[data-testid=reply-box]",
                )[0].send_keys("I can cancel your account today")
                css(driver, "[data-testid=send-reply]")[0].click()
                wait_for(driver, lambda d: css(d, "[data-testid=delivery-state]"))
                wait_for(driver, lambda d: css(d, "[data-testid=back-translation]"))

            await in_browser(pick_up_read_and_reply)
            spoken = await post(poll_url, FORM)
            said = spoken.find("Say")
            assert said is not None and said.get("language", "").startswith("es")
            assert "cuenta" in said.text.lower()

            def delivered() -> None:
                wait_for(driver, lambda d: "spoken" in css(d, "[data-testid=delivery-state]")[0].text.lower())
                screenshot(driver, "agent-chat")

            await in_browser(delivered)
        finally:
            await in_browser(lambda: screenshot(driver, "last-agent-chat"))
            await in_browser(driver.quit)
