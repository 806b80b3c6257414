"""CALLMON_DATABASE_URL reaches every command that opens a store (calls, users,
alerts) and the dashboard's services."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from alerts.config import AlertSettings
from alerts.store import AlertStore
from app.cli import main
from dashboard.services import open_standalone
from dashboard.settings import DashboardSettings
from dashboard.users import UserStore
from ingest.events import AlertRaised, CallStarted
from ingest.settings import IngestSettings, SettingsError
from ingest.storage import CallStore
from ingest.storage.database import parse_database_url


async def _seed(url: str) -> None:
    store = await CallStore.open(url)
    alerts = await AlertStore.open(url)
    try:
        await store.start_call(CallStarted("3f2a-on-postgres", "twilio", started_at=1000.0))
        await alerts.add_alert(
            AlertRaised(
                id="a1", call_id="3f2a-on-postgres", level="urgent", rules=("profanity",), reasons=("r",),
                text="t", speaker="caller", score=None, rolling_score=None, raised_at=1001.0, agent=None,
            )
        )  # fmt: skip
    finally:
        await alerts.close()
        await store.close()


def test_the_cli_reads_and_writes_postgresql(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    asyncio.run(_seed(postgres_url))
    monkeypatch.setenv("CALLMON_DATABASE_URL", postgres_url)
    runner = CliRunner()
    listed = runner.invoke(main, ["calls", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [call["call_id"] for call in json.loads(listed.output)] == ["3f2a-on-postgres"]
    shown = runner.invoke(main, ["calls", "show", "3f2a", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["call_id"] == "3f2a-on-postgres"
    alerts = runner.invoke(main, ["alerts", "list", "--json"])
    assert alerts.exit_code == 0, alerts.output
    assert [alert["id"] for alert in json.loads(alerts.output)] == ["a1"]
    added = runner.invoke(main, ["users", "add", "ana", "--role", "admin", "--password", "correct horse"])
    assert added.exit_code == 0, added.output

    async def stored_user() -> str | None:
        users = await UserStore.open(postgres_url)
        try:
            user = await users.get("ana")
            return None if user is None else user.role
        finally:
            await users.close()

    assert asyncio.run(stored_user()) == "admin"


def test_the_qa_commands_read_postgresql(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    asyncio.run(_seed(postgres_url))
    monkeypatch.setenv("CALLMON_DATABASE_URL", postgres_url)
    runner = CliRunner()
    exported = runner.invoke(main, ["export", "3f2a", "--format", "json"])
    assert exported.exit_code == 0, exported.output
    assert "3f2a-on-postgres" in exported.output
    searched = runner.invoke(main, ["search", "--json"])
    assert searched.exit_code == 0, searched.output
    assert "3f2a-on-postgres" in searched.output
    purged = runner.invoke(main, ["purge", "--older-than", "1d", "--yes"])
    assert purged.exit_code == 0, purged.output


def test_the_url_wins_over_the_path_and_bad_urls_name_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLMON_DB_PATH", "elsewhere.db")
    assert IngestSettings.from_env().database.path is not None
    monkeypatch.setenv("CALLMON_DATABASE_URL", "sqlite:////srv/callmon/calls.db")
    assert str(IngestSettings.from_env().database.path) == "/srv/callmon/calls.db"
    monkeypatch.setenv("CALLMON_DATABASE_URL", "mysql://db/callmon")
    with pytest.raises(SettingsError, match="CALLMON_DATABASE_URL"):
        IngestSettings.from_env()


async def test_a_standalone_dashboard_opens_every_store_on_postgresql(
    postgres_url: str, tmp_path: Path
) -> None:
    await _seed(postgres_url)
    settings = DashboardSettings(
        secret="test secret", ingest_url="http://127.0.0.1:9", sessions_path=tmp_path / "sessions"
    )
    services = await open_standalone(
        settings, tmp_path / "unused.db", None, AlertSettings(), database=parse_database_url(postgres_url)
    )
    try:
        assert [c.call_id for c in await services.calls.list_calls()] == ["3f2a-on-postgres"]
        await services.users.add("sup", "supervisor", "correct horse")
        assert await services.users.authenticate("sup", "correct horse") is not None
        note = await services.notes.add("3f2a-on-postgres", "sup", "call them back")
        assert await services.notes.list_for_call("3f2a-on-postgres") == [note]
        [acknowledged] = await services.alerts.acknowledge_many(["a1"], "sup", note="done")
        assert acknowledged.call_id == "3f2a-on-postgres"
    finally:
        await services.close()
    assert not (tmp_path / "unused.db").exists()
