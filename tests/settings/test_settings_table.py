"""README's settings table is the generated one, and `callmon settings` prints it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from app.settings_table import (
    REGENERATE,
    TABLE_END,
    TABLE_START,
    markdown_table,
    readme_table,
    setting_rows,
    with_table,
)

README = Path(__file__).resolve().parents[2] / "README.md"

# Variables people already set: renaming one silently breaks their deployments.
DOCUMENTED_BEFORE = {
    "CALLMON_DB_PATH", "CALLMON_AUDIOSOCKET_HOST", "CALLMON_AUDIOSOCKET_PORT", "CALLMON_HTTP_HOST",
    "CALLMON_HTTP_PORT", "REDIS_URL", "CALLMON_ASR", "CALLMON_ASR_THREADS", "CALLMON_WHISPER_MODEL",
    "CALLMON_WHISPER_DEVICE", "CALLMON_WHISPER_COMPUTE_TYPE", "DEEPGRAM_API_KEY", "CALLMON_DEEPGRAM_MODEL",
    "CALLMON_DEEPGRAM_ENCODING", "CALLMON_DEEPGRAM_URL", "TWILIO_AUTH_TOKEN", "CALLMON_PUBLIC_URL",
    "CALLMON_TWILIO_DIAL_NUMBER", "CALLMON_ROLLING_WINDOW", "CALLMON_VAD_END_SILENCE_MS",
    "CALLMON_VAD_MAX_UTTERANCE_S", "CALLMON_VAD_AGGRESSIVENESS", "CALLMON_VAD_MIN_SPEECH_MS",
    "CALLMON_VAD_PADDING_MS", "CALLMON_VICIDIAL_HOST", "CALLMON_VICIDIAL_PORT", "CALLMON_VICIDIAL_USER",
    "CALLMON_VICIDIAL_PASSWORD", "CALLMON_VICIDIAL_DATABASE", "CALLMON_VICIDIAL_REPLICA_HOST",
    "CALLMON_VICIDIAL_REPLICA_PORT", "CALLMON_VICIDIAL_CONNECT_TIMEOUT", "CALLMON_VICIDIAL_QUERY_TIMEOUT",
    "CALLMON_VICIDIAL_CACHE_TTL_S", "CALLMON_VICIDIAL_RETRY_DELAYS", "CALLMON_VICIDIAL_RECORDINGS_URL",
    "CALLMON_VICIDIAL_RECORDINGS_SUFFIX", "CALLMON_DASHBOARD_PORT",
    "CALLMON_DASHBOARD_HOST", "CALLMON_DASHBOARD_SECRET", "CALLMON_DASHBOARD_URL", "CALLMON_INGEST_URL",
    "CALLMON_SUPERVISOR_LANGUAGE", "CALLMON_DETECT_LANGUAGES", "CALLMON_TRANSLATOR", "DEEPL_API_KEY",
    "CALLMON_LIBRETRANSLATE_URL", "LIBRETRANSLATE_API_KEY", "CALLMON_CHAT_LANGUAGES", "CALLMON_AGENT_LANGUAGE",
    "CALLMON_CHAT_REPLY_WAIT_S", "CALLMON_RETENTION_DAYS", "CALLMON_QA_CRITERIA", "CALLMON_TRANSLATE_PIVOT",
    "CALLMON_TRANSLATE_TIMEOUT_S", "CALLMON_TRANSLATE_RETRIES", "CALLMON_TRANSLATE_CACHE_SIZE",
    "CALLMON_APERTIUM_PATH", "CALLMON_APERTIUM_MODES_DIR", "CALLMON_DEEPL_URL", "CALLMON_CHAT_POLL_PAUSE_S",
    "CALLMON_ESPEAK_PATH", "HF_HUB_OFFLINE", "CALLMON_VAD_ENGINE", "CALLMON_VAD_THRESHOLD",
}  # fmt: skip


def test_readme_holds_exactly_the_generated_table() -> None:
    documented = readme_table(README.read_text(encoding="utf-8"))
    assert documented is not None, f"README.md lacks the {TABLE_START} ... {TABLE_END} markers"
    assert documented == markdown_table(), (
        f"README.md's settings table is out of date with the settings classes; run `{REGENERATE}`"
    )


def test_a_changed_table_is_noticed_and_rewritten() -> None:
    readme = f"# x\n\n{TABLE_START}\n| old | table |\n{TABLE_END}\n\nafter\n"
    assert readme_table(readme) != markdown_table()
    rewritten = with_table(readme, markdown_table())
    assert readme_table(rewritten) == markdown_table() and rewritten.endswith(f"{TABLE_END}\n\nafter\n")
    with pytest.raises(ValueError, match="markers"):
        with_table("# no markers\n", markdown_table())


def test_every_variable_keeps_its_name_and_has_a_meaning() -> None:
    rows = list(setting_rows())
    listed = {row.variable.split("`")[1] for row in rows}
    assert sorted(DOCUMENTED_BEFORE - listed) == []
    assert [row.variable for row in rows if not row.meaning.strip()] == []


def test_settings_command_prints_the_table_and_updates_a_readme(tmp_path: Path) -> None:
    runner = CliRunner()
    printed = runner.invoke(main, ["settings"])
    assert printed.exit_code == 0, printed.output
    assert printed.output == markdown_table()
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{TABLE_START}\nstale\n{TABLE_END}\n", encoding="utf-8")
    updated = runner.invoke(main, ["settings", "--update-readme", str(readme)])
    assert updated.exit_code == 0, updated.output
    assert readme_table(readme.read_text(encoding="utf-8")) == markdown_table()
    unmarked = tmp_path / "OTHER.md"
    unmarked.write_text("no markers\n", encoding="utf-8")
    refused = runner.invoke(main, ["settings", "--update-readme", str(unmarked)])
    assert refused.exit_code == 1 and "markers" in refused.output
