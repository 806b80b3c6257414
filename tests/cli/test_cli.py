"""The `callmon` command over a real database: import, list, show, help."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from app.cli import main
from tests.support.audio import write_call_recording


def test_import_then_list_and_show(tmp_path: Path) -> None:
    db = tmp_path / "calls.db"
    recording = tmp_path / "legal.wav"
    write_call_recording(recording, "legal_threat")
    runner = CliRunner()

    result = runner.invoke(main, ["import", str(recording), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "imported" in result.output

    listed = runner.invoke(main, ["calls", "list", "--db", str(db), "--json"])
    assert listed.exit_code == 0, listed.output
    calls = json.loads(listed.output)
    assert len(calls) == 1 and calls[0]["source"] == "import" and calls[0]["status"] == "ended"
    call_id = calls[0]["call_id"]

    shown = runner.invoke(main, ["calls", "show", call_id, "--db", str(db), "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    speakers = {s["speaker"] for s in data["segments"]}
    assert speakers == {"agent", "caller"}
    caller_words = " ".join(s["text"] for s in data["segments"] if s["speaker"] == "caller").split()
    assert "sue" in caller_words or "lawyer" in caller_words
    for segment in data["segments"]:
        assert {
            "speaker",
            "start",
            "end",
            "text",
            "sentiment_score",
            "sentiment_label",
            "keywords",
            "profanity",
            "language",
            "translation",
        } <= segment.keys()

    again = runner.invoke(main, ["import", str(recording), "--db", str(db)])
    assert again.exit_code == 0 and "already imported" in again.output

    table = runner.invoke(main, ["calls", "show", call_id, "--db", str(db)])
    assert table.exit_code == 0 and "caller" in table.output


def test_bad_files_are_named_and_skipped(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.wav"
    bogus.write_text("this is not audio")
    result = CliRunner().invoke(
        main, ["import", str(bogus), str(tmp_path / "missing.wav"), "--db", str(tmp_path / "x.db")]
    )
    assert result.exit_code == 1
    assert "notes.wav: not a readable WAV file" in result.output
    assert "missing.wav" in result.output


def test_show_unknown_call_and_missing_database_say_so(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["calls", "list", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code != 0 and "no database" in missing.output


def test_help_documents_commands_and_environment() -> None:
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0
    for command in ("ingest", "run", "simulate", "calls", "import", "alerts"):
        assert command in top.output
    ingest_help = runner.invoke(main, ["ingest", "--help"])
    for text in ("--db", "--audiosocket-port", "--http-port", "CALLMON_DB_PATH", "CALLMON_AUDIOSOCKET_PORT"):
        assert text in ingest_help.output


def test_bad_setting_is_a_clear_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["calls", "list", "--db", str(tmp_path / "x.db")], env={"CALLMON_ASR": "nonsense"}
    )
    assert result.exit_code == 2
    assert "CALLMON_ASR='nonsense' is not an engine" in result.output
