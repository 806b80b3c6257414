"""Commands find their database and errors through the settings, file included."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner

from alerts.store import AlertStore
from app.cli import main
from ingest.events import AlertRaised


def _alert() -> AlertRaised:
    return AlertRaised(
        id="alert-1",
        call_id="call-1",
        level="warning",
        rules=("keyword_detected",),
        reasons=('keyword "cancel"',),
        text="cancel it",
        speaker="caller",
        score=-0.5,
        rolling_score=-0.25,
        raised_at=1000.0,
        agent="agent7",
    )


async def _seed(db: Path) -> None:
    store = await AlertStore.open(db)
    try:
        await store.add_alert(_alert())
    finally:
        await store.close()


def test_alert_commands_use_the_config_file_database_and_user(tmp_path: Path) -> None:
    db = tmp_path / "elsewhere.db"
    asyncio.run(_seed(db))
    config = tmp_path / "callmon.toml"
    config.write_text(f"[ingest]\ndb_path = {json.dumps(str(db))}\n", encoding="utf-8")
    env = {"CALLMON_CONFIG": str(config), "CALLMON_DB_PATH": None, "USER": "maria"}
    runner = CliRunner()

    listed = runner.invoke(main, ["alerts", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert [alert["id"] for alert in json.loads(listed.output)] == ["alert-1"]

    acked = runner.invoke(main, ["alerts", "ack", "alert-1"], env=env)
    assert acked.exit_code == 0, acked.output
    assert "as maria" in acked.output


def test_a_bad_setting_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["calls", "list", "--db", str(tmp_path / "none.db")],
        env={"CALLMON_ASR": "julius", "CALLMON_CONFIG": None},
    )
    assert result.exit_code == 2
    assert "CALLMON_ASR='julius' is not an engine" in result.output
    assert "Traceback" not in result.output
