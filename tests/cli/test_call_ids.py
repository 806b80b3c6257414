"""Call ids in the CLI's tables are whole at 80 and 120 columns, and `calls show`
and `export` take the start of an id (CliRunner on a real database)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from app.cli.tables import Column, columns_that_fit
from tests.qa.conftest import FakeCall, Line, write_store

IDS = (
    "3f2a0c1e-7b44-4d0e-9a51-0c7e2b9d4f11",  # AudioSocket: a UUID
    "3f2a0c1e-7b44-4d0e-9a51-0c7e2b9d4f22",  # shares its first 34 characters with the one above
    "CA0123456789abcdef0123456789abcdef",  # Twilio: a callSid
    "rec-monday-escalation-recording-final-take-2-9c1d2e3f",  # an imported file: longer than a UUID
)


@pytest.fixture
def long_ids_db(tmp_path: Path) -> Path:
    calls = tuple(
        FakeCall(
            call_id, "agent-with-a-long-name", "billing-and-retention", "en", days_ago=1 + n, duration=60.0,
            lines=(Line("caller", "I want a refund for the invoice on my bill from last month", -0.4),),
        )
        for n, call_id in enumerate(IDS)
    )  # fmt: skip
    path = tmp_path / "ids.db"
    asyncio.run(write_store(path, calls))
    return path


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("command", [["calls", "list"], ["search", "refund"], ["search"]])
def test_ids_are_whole_at_80_and_120_columns(long_ids_db: Path, columns: int, command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--db", str(long_ids_db)], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for call_id in IDS:
        assert any(call_id in line for line in lines), (call_id, result.output)
    assert max(len(line) for line in lines) <= columns, result.output
    if columns == 80:
        assert "not shown at this width" in result.output  # something had to give, and it says what


def test_wider_terminals_show_more_columns(long_ids_db: Path) -> None:
    def header(columns: int) -> str:
        output = (
            CliRunner()
            .invoke(main, ["calls", "list", "--db", str(long_ids_db)], env={"COLUMNS": str(columns)})
            .output
        )
        return output.splitlines()[1]

    assert "agent" not in header(80) and "agent" in header(120) and "source" in header(200)


def test_an_id_wider_than_the_terminal_is_folded_not_cut(long_ids_db: Path) -> None:
    result = CliRunner().invoke(main, ["calls", "list", "--db", str(long_ids_db)], env={"COLUMNS": "40"})
    assert result.exit_code == 0
    joined = "".join(line.strip("│ ┃") for line in result.output.splitlines())
    assert IDS[3] in joined


def test_columns_are_dropped_least_useful_first() -> None:
    columns = [Column("a", 12, keep=2), Column("b", 12, keep=0), Column("c", 12, keep=1)]
    assert [c.name for c in columns_that_fit(columns, 36, 80)] == ["b", "c"]
    assert [c.name for c in columns_that_fit(columns, 36, 200)] == ["a", "b", "c"]
    assert columns_that_fit(columns, 36, 50) == []


def test_show_and_export_take_a_unique_prefix(long_ids_db: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["calls", "show", "CA01", "--db", str(long_ids_db), "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["call_id"] == IDS[2]
    exported = runner.invoke(main, ["export", "rec-mon", "--db", str(long_ids_db), "--format", "txt"])
    assert exported.exit_code == 0, exported.output
    assert IDS[3] in exported.output and "refund" in exported.output
    whole = runner.invoke(main, ["export", IDS[0], "--db", str(long_ids_db)])
    assert json.loads(whole.output)["call_id"] == IDS[0]


@pytest.mark.parametrize("command", [["calls", "show"], ["export"]])
def test_an_ambiguous_prefix_lists_the_candidates(long_ids_db: Path, command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "3f2a", "--db", str(long_ids_db)])
    assert result.exit_code == 1
    assert "several call ids" in result.output
    assert IDS[0] in result.output and IDS[1] in result.output and IDS[2] not in result.output


@pytest.mark.parametrize("typed", ["nope", "%", "_", "3f2a%", "'; DROP TABLE calls; --"])
def test_no_match_is_a_clear_error(long_ids_db: Path, typed: str) -> None:
    for command in (["calls", "show"], ["export"]):
        result = CliRunner().invoke(main, [*command, typed, "--db", str(long_ids_db)])
        assert result.exit_code == 1
        assert f"no call id is or starts with {typed!r}" in result.output
