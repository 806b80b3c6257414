"""QA review in headless Chromium: an imported recording (real speech, real
recognition) is searched, opened, scored and exported as WebVTT."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from nicegui.testing.general import nicegui_reset_globals
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from app.worker import IngestWorker, dashboard_services_for
from dashboard.serving import DashboardServer
from dashboard.settings import DashboardSettings
from ingest.adapters.recordings import inspect_recording, recording_events
from ingest.settings import IngestSettings
from qa.scorecards import ScorecardStore
from tests.dashboard.browser import in_browser, screenshot, start_chromium, wait_for
from tests.dashboard.conftest import PASSWORD
from tests.support.audio import write_call_recording

pytestmark = pytest.mark.slow
SCRIPT_WORDS = {
    "charge",
    "service",
    "customer",
    "question",
    "explaining",
    "welcome",
    "helpful",
    "dollars",
    "annual",
    "understand",
    "recorded",
    "thank",
}


@pytest.fixture
async def reviewed_call(tmp_path: Path):
    """A worker with one imported call, and the dashboard serving it."""
    recording = tmp_path / "calm.wav"
    await asyncio.to_thread(write_call_recording, recording, "calm_billing")
    settings = IngestSettings(
        db_path=tmp_path / "callmon.db", asr="sphinx", asr_threads=2, recordings_dirs=str(tmp_path)
    )
    async with IngestWorker(settings, listen=False) as worker:
        imported = inspect_recording(recording)
        for event in recording_events(imported):
            worker.pipeline.submit(event)
            await asyncio.sleep(0)
        await worker.pipeline.drain()
        services = await dashboard_services_for(
            worker,
            DashboardSettings(
                host="127.0.0.1", port=0, secret="qa browser secret", sessions_path=tmp_path / "sessions"
            ),
        )
        await services.users.add("quinn", "qa", PASSWORD)
        with nicegui_reset_globals():
            server = DashboardServer(services)
            await server.start()
            try:
                yield worker, server, imported.call_id
            finally:
                await server.stop()
                await services.close()


def css(driver, selector: str):
    return driver.find_elements(By.CSS_SELECTOR, selector)


async def test_reviewer_searches_opens_scores_and_exports_a_call(reviewed_call, tmp_path) -> None:
    worker, server, call_id = reviewed_call
    said = " ".join(s.text for s in await worker.store.list_segments(call_id))
    words = sorted(SCRIPT_WORDS & set(re.findall(r"[a-z]+", said.lower())))
    assert words, f"nothing from the script was recognised: {said!r}"
    word = words[0]
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = await in_browser(lambda: start_chromium(tmp_path / "chromium-profile"))
    try:
        await in_browser(lambda: review(driver, server.url, word, call_id, downloads))
    finally:
        await in_browser(lambda: screenshot(driver, "last-qa-review"))
        await in_browser(driver.quit)
    vtt = next(downloads.glob("*.vtt")).read_text()
    assert vtt.startswith("WEBVTT") and "<v Agent>" in vtt and word in vtt.lower()
    store = await ScorecardStore.open(worker.settings.db_path)
    try:
        cards = await store.list_for_call(call_id)
    finally:
        await store.close()
    assert [(c.reviewer, c.total, c.tags) for c in cards] == [("quinn", 100.0, ("browser",))]


def review(driver, url: str, word: str, call_id: str, downloads: Path) -> None:
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.get(f"{url}/login?next=/qa")
    wait_for(driver, lambda d: css(d, "input[data-testid=login-name]"))[0].send_keys("quinn")
    css(driver, "input[data-testid=login-password]")[0].send_keys(PASSWORD)
    css(driver, "[data-testid=login-submit]")[0].click()
    wait_for(driver, lambda d: d.current_url.endswith("/qa"))
    box = wait_for(driver, lambda d: css(d, "input[data-testid=search-text]"))[0]
    box.send_keys(word, Keys.ENTER)
    wait_for(driver, lambda d: any(m.text.lower() == word for m in css(d, "[data-mark=match]")))
    screenshot(driver, "qa-search")
    hit = css(driver, f"[data-testid=search-hit][data-call-id='{call_id}'] a")[0]
    hit.click()
    wait_for(driver, lambda d: "/qa/calls/" in d.current_url)
    wait_for(driver, lambda d: len(css(d, "[data-testid=transcript-line]")) >= 2)
    wait_for(driver, lambda d: css(d, "[data-testid=sentiment-chart] .scatterlayer .point"))
    assert css(driver, "audio[data-testid=recording]")
    for criterion, answer in (("greeting", "yes"), ("disclosure", "yes"), ("resolution", "5")):
        toggle = css(driver, f"[data-criterion={criterion}]")[0]
        next(b for b in toggle.find_elements(By.TAG_NAME, "button") if b.text.strip() == answer).click()
    wait_for(driver, lambda d: css(d, "[data-testid=scorecard-total]")[0].text == "100 / 100")
    css(driver, "input[data-testid=scorecard-tags]")[0].send_keys("browser")
    css(driver, "[data-testid=scorecard-save]")[0].click()
    wait_for(driver, lambda d: css(d, "[data-testid=scorecard]"))
    screenshot(driver, "qa-review")
    export = css(driver, "[data-testid=export-vtt]")[0]
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'})", export
    )  # out from under the header
    export.click()
    wait_for(driver, lambda d: list(downloads.glob("*.vtt")))
