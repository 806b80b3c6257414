"""`callmon search | export | purge | agents` through click's CliRunner on a real database."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("CALLMON_RETENTION_DAYS", raising=False)
    monkeypatch.delenv("CALLMON_DB_PATH", raising=False)
    return CliRunner()


def call_count(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM calls").fetchone()[0]


def test_search_json_with_filters(runner: CliRunner, qa_db: Path) -> None:
    result = runner.invoke(
        main,
        [
            "search",
            "refund",
            "--db",
            str(qa_db),
            "--campaign",
            "billing",
            "--from",
            "30d",
            "--sort",
            "duration",
            "--asc",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [h["call_id"] for h in data["hits"]] == ["c08", "c07", "c03", "c01"]  # c08 active: no duration
    assert data["total"] == 4


def test_search_table_csv_and_paging(runner: CliRunner, bulk_db: Path) -> None:
    table = runner.invoke(main, ["search", "invoice", "--db", str(bulk_db), "--limit", "5", "--agent", "a1"])
    assert table.exit_code == 0, table.output
    assert "calls 1-5 of 10" in table.output
    page2 = runner.invoke(
        main, ["search", "invoice", "--db", str(bulk_db), "--limit", "5", "--offset", "5", "--csv"]
    )
    rows = list(csv.DictReader(io.StringIO(page2.output)))
    assert len(rows) == 5 and all("[invoice]" in r["snippets"] for r in rows)


@pytest.mark.parametrize("text", ['"unbalanced', "NEAR(", "-", "*", "((", "東京", ""])
def test_search_awkward_text(runner: CliRunner, qa_db: Path, text: str) -> None:
    result = runner.invoke(main, ["search", text, "--db", str(qa_db)])
    assert result.exit_code == 0, result.output
    assert "calls " in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min-sentiment", "2"], "-1<=x<=1"),
        (["--min-sentiment", "0.5", "--max-sentiment", "-0.5"], "min sentiment"),
        (["--from", "last tuesday"], "use a date"),
        (["--level", "panic"], "panic"),
    ],
)
def test_search_bad_options_say_why(runner: CliRunner, qa_db: Path, args: list[str], message: str) -> None:
    result = runner.invoke(main, ["search", "x", "--db", str(qa_db), *args])
    assert result.exit_code == 2 and message in result.output


def test_search_without_database(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["search", "x", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "no database" in result.output


@pytest.mark.parametrize("fmt", ["json", "txt", "vtt", "srt"])
def test_export_to_file(runner: CliRunner, qa_db: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"c03.{fmt}"
    result = runner.invoke(main, ["export", "c03", "--db", str(qa_db), "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "quiero un reembolso" in out.read_text(encoding="utf-8")


def test_export_to_stdout_and_unknown_call(runner: CliRunner, qa_db: Path) -> None:
    result = runner.invoke(main, ["export", "c06", "--db", str(qa_db), "--format", "vtt"])
    assert result.exit_code == 0 and result.output.startswith("WEBVTT")
    missing = runner.invoke(main, ["export", "nope", "--db", str(qa_db)])
    assert missing.exit_code == 1 and "no call id is or starts with 'nope'" in missing.output


def test_purge_asks_first(runner: CliRunner, qa_db: Path) -> None:
    declined = runner.invoke(main, ["purge", "--db", str(qa_db), "--older-than", "90d"], input="n\n")
    assert declined.exit_code == 1 and "2 calls" in declined.output
    assert call_count(qa_db) == 8
    accepted = runner.invoke(main, ["purge", "--db", str(qa_db), "--older-than", "90d"], input="y\n")
    assert accepted.exit_code == 0 and "deleted:" in accepted.output and "3 segments" in accepted.output
    assert call_count(qa_db) == 6


def test_purge_yes_and_env_default(runner: CliRunner, qa_db: Path) -> None:
    result = runner.invoke(main, ["purge", "--db", str(qa_db), "--yes"], env={"CALLMON_RETENTION_DAYS": "30"})
    assert result.exit_code == 0, result.output
    assert call_count(qa_db) == 5  # c04 (40 days), c05, c06
    again = runner.invoke(main, ["purge", "--db", str(qa_db), "--yes", "--older-than", "30d"])
    assert "nothing to delete" in again.output


def test_purge_needs_an_age(runner: CliRunner, qa_db: Path) -> None:
    result = runner.invoke(main, ["purge", "--db", str(qa_db), "--yes"])
    assert result.exit_code == 2 and "CALLMON_RETENTION_DAYS" in result.output
    bad = runner.invoke(main, ["purge", "--db", str(qa_db), "--older-than", "soon"])
    assert bad.exit_code == 2 and "not an age" in bad.output
    assert call_count(qa_db) == 8


def test_agents_json(runner: CliRunner, qa_db: Path) -> None:
    result = runner.invoke(main, ["agents", "--db", str(qa_db), "--days", "30", "--json"])
    assert result.exit_code == 0, result.output
    assert {row["agent"]: row["calls"] for row in json.loads(result.output)} == {"a1": 3, "a2": 2}


@pytest.mark.parametrize("command", ["search", "export", "purge", "agents"])
def test_help(runner: CliRunner, command: str) -> None:
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "--db" in result.output
