"""Settings come from arguments > environment > CALLMON_CONFIG file > defaults, and
a plain constructor reads nothing at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from chat.settings import ChatSettings
from dashboard.settings import DashboardConfigError, DashboardSettings
from ingest.settings import IngestSettings, SettingsError, parse_decoder_options
from ingest.translation.settings import TranslationSettings
from qa.settings import QASettings
from vicidial.settings import ViciDialSettings, ViciDialSettingsError


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "callmon.toml"
    path.write_text(
        "[ingest]\n"
        "http_port = 8081\n"
        'asr = "whisper"\n'
        "vad_end_silence_ms = 400\n"
        "\n[translation]\n"
        'translator = "none"\n'
        'detect_languages = ["en", "spa"]\n'
        "\n[chat]\n"
        'languages = "es,en"\n'
        "\n[vicidial]\n"
        'host = "vici-db"\n'
        "port = 3307\n"
        "\n[dashboard]\n"
        "port = 9000\n"
        "\n[qa]\n"
        'retention_days = "12w"\n',
        encoding="utf-8",
    )
    return path


def test_plain_constructor_reads_neither_environment_nor_file(
    monkeypatch: pytest.MonkeyPatch, config_file: Path
) -> None:
    monkeypatch.setenv("CALLMON_HTTP_PORT", "1234")
    monkeypatch.setenv("CALLMON_CONFIG", str(config_file))
    assert IngestSettings().http_port == 8080
    assert IngestSettings.defaults() == IngestSettings()
    assert DashboardSettings().port == 8095
    assert TranslationSettings().translator == "apertium"


def test_from_env_without_a_mapping_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALLMON_CONFIG", raising=False)
    monkeypatch.setenv("CALLMON_HTTP_PORT", "1234")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = IngestSettings.from_env()
    assert (settings.http_port, settings.redis_url) == (1234, "redis://127.0.0.1:6379/0")


def test_environment_is_typed_and_empty_means_unset() -> None:
    settings = IngestSettings.from_env(
        {
            "CALLMON_DB_PATH": "/var/lib/callmon/calls.db",
            "CALLMON_VAD_MAX_UTTERANCE_S": "9.5",
            "CALLMON_ASR": "",
            "HF_HUB_OFFLINE": "1",
        }
    )
    assert settings.db_path == Path("/var/lib/callmon/calls.db")
    assert settings.vad.max_utterance_s == 9.5 and settings.asr == "whisper" and settings.hf_hub_offline


def test_plain_names_win_over_their_callmon_spelling() -> None:
    settings = IngestSettings.from_env({"REDIS_URL": "redis://a", "CALLMON_REDIS_URL": "redis://b"})
    assert settings.redis_url == "redis://a"
    assert IngestSettings.from_env({"CALLMON_REDIS_URL": "redis://b"}).redis_url == "redis://b"


def test_file_values_apply_to_every_component(config_file: Path) -> None:
    env = {"CALLMON_CONFIG": str(config_file)}
    ingest = IngestSettings.from_env(env)
    assert (ingest.http_port, ingest.asr, ingest.vad.end_silence_ms) == (8081, "whisper", 400)
    assert ingest.audiosocket_port == 9093  # not in the file: the default
    translation = TranslationSettings.from_env(env)
    assert translation.translator == "none" and translation.detect_languages == ("en", "es")
    assert [language.code for language in ChatSettings.from_env(env).languages] == ["es", "en"]
    vicidial = ViciDialSettings.from_env(env)
    assert vicidial is not None and (vicidial.host, vicidial.port) == ("vici-db", 3307)
    assert DashboardSettings.from_env(env).port == 9000
    assert QASettings.from_env(env).retention_days == 84


def test_environment_wins_over_the_file_and_arguments_win_over_both(config_file: Path) -> None:
    env = {"CALLMON_CONFIG": str(config_file), "CALLMON_HTTP_PORT": "8082", "CALLMON_ASR": "deepgram"}
    settings = IngestSettings.from_env(env, asr="sphinx", audiosocket_port=None)
    assert (settings.http_port, settings.asr, settings.audiosocket_port) == (8082, "sphinx", 9093)
    assert ViciDialSettings.from_env({**env, "CALLMON_VICIDIAL_PORT": "3310"}).port == 3310  # type: ignore[union-attr]


def test_vicidial_stays_off_without_a_host_anywhere(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("[ingest]\nhttp_port = 8081\n", encoding="utf-8")
    assert ViciDialSettings.from_env({"CALLMON_CONFIG": str(empty)}) is None
    assert ViciDialSettings.from_env({"CALLMON_VICIDIAL_HOST": " "}) is None


@pytest.mark.parametrize(
    "env, message",
    [
        ({"CALLMON_HTTP_PORT": "web"}, "CALLMON_HTTP_PORT='web': .*integer"),
        ({"CALLMON_AUDIOSOCKET_PORT": "70000"}, "CALLMON_AUDIOSOCKET_PORT='70000': .*65535"),
        ({"CALLMON_ASR": "julius"}, "CALLMON_ASR='julius' is not an engine"),
        ({"CALLMON_VAD_AGGRESSIVENESS": "7"}, "CALLMON_VAD_AGGRESSIVENESS must be 0, 1, 2 or 3"),
        ({"HF_HUB_OFFLINE": "maybe"}, "HF_HUB_OFFLINE='maybe'"),
        ({"CALLMON_SPHINX_OPTIONS": "lw"}, "CALLMON_SPHINX_OPTIONS='lw': expected name=value"),
    ],
)
def test_bad_environment_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        IngestSettings.from_env(env)
    assert "\n" not in str(caught.value)


def test_bad_file_value_names_the_file_table_and_key(tmp_path: Path) -> None:
    path = tmp_path / "callmon.toml"
    path.write_text('[ingest]\nhttp_port = "web"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"callmon.toml: \[ingest\] http_port='web': .*integer"):
        IngestSettings.from_env({"CALLMON_CONFIG": str(path)})


def test_unknown_key_in_the_file_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "callmon.toml"
    path.write_text("[dashboard]\nprot = 9000\n", encoding="utf-8")
    with pytest.raises(DashboardConfigError, match=r"\[dashboard\] prot is not a setting; known: host, port"):
        DashboardSettings.from_env({"CALLMON_CONFIG": str(path)})


def test_demo_mode_cannot_be_switched_on_by_configuration(tmp_path: Path) -> None:
    path = tmp_path / "callmon.toml"
    path.write_text("[dashboard]\ndemo = true\n", encoding="utf-8")
    with pytest.raises(DashboardConfigError, match="demo cannot be set in a file"):
        DashboardSettings.from_env({"CALLMON_CONFIG": str(path)})
    assert DashboardSettings.from_env({"CALLMON_DASHBOARD_DEMO": "true"}).demo is False
    assert DashboardSettings.from_env({}, demo=True).demo is True


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "CALLMON_CONFIG=.*cannot read it"),
        ("[ingest\nhttp_port = 1\n", "CALLMON_CONFIG=.*is not valid TOML"),
        ("ingest = 5\n", r"\[ingest\] must be a table"),
    ],
)
def test_unusable_config_file_is_one_clear_error(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "callmon.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        IngestSettings.from_env({"CALLMON_CONFIG": str(path)})


def test_component_errors_are_settings_errors_the_cli_can_catch_together() -> None:
    with pytest.raises(SettingsError):
        ViciDialSettings.from_env({"CALLMON_VICIDIAL_HOST": "db", "CALLMON_VICIDIAL_POOL_SIZE": "0"})
    with pytest.raises(ViciDialSettingsError, match="CALLMON_VICIDIAL_POOL_SIZE='0'"):
        ViciDialSettings.from_env({"CALLMON_VICIDIAL_HOST": "db", "CALLMON_VICIDIAL_POOL_SIZE": "0"})
    with pytest.raises(SettingsError, match="CALLMON_DASHBOARD_PORT='x'"):
        DashboardSettings.from_env({"CALLMON_DASHBOARD_PORT": "x"})


def test_settings_are_frozen_and_copy_with_changes() -> None:
    settings = IngestSettings(asr="sphinx")
    with pytest.raises(ValueError, match="frozen"):
        settings.asr = "whisper"  # type: ignore[misc]
    assert settings.model_copy(update={"asr": "whisper"}).asr == "whisper"
    assert DashboardSettings().with_port(9001).port == 9001


def test_an_unreadable_config_file_raises_the_components_own_error(tmp_path: Path) -> None:
    with pytest.raises(DashboardConfigError, match="CALLMON_CONFIG"):
        DashboardSettings.from_env({"CALLMON_CONFIG": str(tmp_path / "missing.toml")})


def test_a_blank_variable_does_not_hide_the_file(tmp_path: Path) -> None:
    path = tmp_path / "callmon.toml"
    path.write_text('[vicidial]\nhost = "vici-db"\n', encoding="utf-8")
    settings = ViciDialSettings.from_env({"CALLMON_VICIDIAL_HOST": "  ", "CALLMON_CONFIG": str(path)})
    assert settings is not None and settings.host == "vici-db"


def test_decoder_options_are_typed() -> None:
    assert parse_decoder_options(" lw=8, beam=1e-60 ,remove_noise=no,cmn=batch,") == {
        "lw": 8,
        "beam": 1e-60,
        "remove_noise": False,
        "cmn": "batch",
    }
    assert parse_decoder_options("") == {}
