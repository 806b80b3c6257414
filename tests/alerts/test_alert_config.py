"""Loading alerts.toml: defaults, overrides, environment, and clear errors."""

from pathlib import Path

import pytest

from alerts.config import AlertSettings, ConfigError, load_alert_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "alerts.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alerts.toml"
    path.write_text(text)
    return path


def problems(path: Path, env=None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_alert_settings(path, env=env or {})
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_built_in_defaults_without_a_file():
    assert load_alert_settings(env={}) == AlertSettings()


def test_the_example_file_spells_out_the_defaults():
    assert load_alert_settings(EXAMPLE, env={}) == AlertSettings()


def test_path_from_the_environment(tmp_path):
    path = write(tmp_path, "min_confidence = 0.7\n")
    assert load_alert_settings(env={"CALLMON_ALERTS_CONFIG": str(path)}).min_confidence == 0.7


def test_overrides_keep_the_rest(tmp_path):
    path = write(
        tmp_path,
        """
exceptions = []
[rules.declining_call]
threshold = -0.5
enabled = false
[rules.keyword_detected]
keywords = ["cancel", "chargeback"]
[custom_rules.retention]
level = "critical"
keywords = ["switch provider"]
cooldown_s = 30
""",
    )
    settings = load_alert_settings(path, env={})
    assert settings.exceptions == ()
    assert (settings.declining_call.threshold, settings.declining_call.enabled) == (-0.5, False)
    assert settings.declining_call.cooldown_s == 300
    assert settings.keyword_detected.keywords == ("cancel", "chargeback")
    assert settings.keyword_detected.level == "warning"
    (custom,) = settings.custom_rules
    assert (custom.name, custom.level, custom.keywords, custom.cooldown_s, custom.label) == (
        "retention",
        "critical",
        ("switch provider",),
        30.0,
        "retention",
    )
    assert settings.segment_rules[-1] is custom


def test_error_names_file_key_and_problem(tmp_path):
    path = write(tmp_path, '[rules.legal_threat]\ncooldown_s = "soon"\n')
    assert problems(path) == [f'{path}: rules.legal_threat.cooldown_s: expected a number >= 0, got "soon"']


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(
        tmp_path,
        """
min_confidence = 2
colour = "red"
[rules.very_negative]
threshold = -3
level = "severe"
[rules.shouting]
level = "urgent"
[custom_rules.keyword_detected]
level = "urgent"
keywords = ["x"]
[custom_rules.retention]
keywords = ["switch provider"]
[notify]
retries = -1
[notify.slack]
webhook_url = "hooks.slack.com/x"
""",
    )
    # pydantic reports in the order of the schema's keys, unknown keys last.
    assert problems(path) == [
        f"{path}: min_confidence: expected a number between 0 and 1, got 2",
        f'{path}: rules.very_negative.level: expected one of "warning", "urgent", "critical", got "severe"',
        f"{path}: rules.very_negative.threshold: expected a number between -1 and 1, got -3",
        f"{path}: rules.shouting: unknown rule; built-in rules are keyword_detected, legal_threat, profanity,"
        " negative_trend, severe_negative_trend, very_negative, declining_call, agent_conduct, missing_disclosure"
        " (add your own under [custom_rules.shouting])",
        f"{path}: custom_rules.keyword_detected: a custom rule needs a new name of lower-case letters, digits and _",
        f"{path}: custom_rules.retention.level: missing (a custom rule needs level and keywords)",
        f"{path}: notify.retries: expected an integer between 0 and 20, got -1",
        f'{path}: notify.slack.webhook_url: expected an http:// or https:// URL, got "hooks.slack.com/x"',
        f"{path}: colour: unknown key; expected one of min_confidence,"
        " min_whisper_word_confidence, min_spot_confidence,"
        " min_sentiment_confidence, sentiment_on_heard_words, exceptions, rules, custom_rules, notify",
    ]


def test_unknown_rule_setting(tmp_path):
    path = write(tmp_path, "[rules.negative_trend]\nthreshold = -0.5\n")
    assert problems(path) == [
        f"{path}: rules.negative_trend.threshold: unknown key; expected one of"
        " level, cooldown_s, count, enabled, speakers"
    ]


def test_wrong_types_in_lists_and_tables(tmp_path):
    path = write(tmp_path, 'rules = 3\n[custom_rules.x]\nlevel = "warning"\nkeywords = ["a", 1]\n')
    assert problems(path) == [
        f"{path}: rules: expected a table, got 3",
        f'{path}: custom_rules.x.keywords: expected a non-empty list of non-empty strings, got ["a", 1]',
    ]


def test_invalid_toml(tmp_path):
    path = write(tmp_path, "[rules\n")
    (problem,) = problems(path)
    assert problem.startswith(f"{path}: not valid TOML: ")


def test_missing_file(tmp_path):
    assert problems(tmp_path / "nope.toml") == [f"{tmp_path / 'nope.toml'}: file not found"]


def test_secrets_and_channels_from_the_environment(tmp_path):
    path = write(tmp_path, '[notify.smtp]\nhost = "mail.example.com"\nto = ["qa@example.com"]\n')
    env = {
        "CALLMON_SMTP_PASSWORD": "12345",
        "CALLMON_SMTP_PORT": "465",
        "CALLMON_SMTP_TLS": "tls",
        "CALLMON_SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X",
        "RESEND_API_KEY": "re_123",
        "CALLMON_RESEND_FROM": "callmon <a@example.com>",
        "CALLMON_RESEND_TO": "a@example.com, b@example.com",
        "CALLMON_ALERTS_IN_PROCESS": "false",
    }
    notify = load_alert_settings(path, env=env).notify
    assert (notify.smtp.host, notify.smtp.port, notify.smtp.tls, notify.smtp.password) == (
        "mail.example.com",
        465,
        "tls",
        "12345",
    )
    assert notify.slack.webhook_url == "https://hooks.slack.com/services/T/B/X"
    assert notify.resend.to == ("a@example.com", "b@example.com")
    assert notify.in_process is False


def test_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigError) as caught:
        load_alert_settings(env={"CALLMON_SMTP_PORT": "smtp", "CALLMON_SLACK_MIN_LEVEL": "loud"})
    assert caught.value.problems == [
        'environment: CALLMON_SLACK_MIN_LEVEL: expected one of "warning", "urgent", "critical", got "loud"',
        'environment: CALLMON_SMTP_PORT: expected an integer between 1 and 65535, got "smtp"',
    ]


def test_channels_need_their_recipients(tmp_path):
    path = write(tmp_path, '[notify.smtp]\nhost = "mail"\n[notify.resend]\napi_key = "k"\n')
    assert problems(path) == [
        f"{path}: notify.smtp.to: missing: who should the alert mails go to?",
        f"{path}: notify.resend: needs from and to when an api_key is set",
    ]


def test_new_rule_settings(tmp_path):
    path = write(
        tmp_path,
        """
min_sentiment_confidence = 0.5
[rules.legal_threat]
speakers = ["caller"]
inflections = false
tolerant = false
[rules.legal_threat.synonyms]
lawyer = ["Brief", "legal eagle"]
[rules.declining_call]
window = 8
[rules.agent_conduct]
threshold = -0.8
[rules.missing_disclosure]
variants = ["you are being recorded"]
max_cost = 0.2
""",
    )
    settings = load_alert_settings(path, env={})
    assert settings.min_sentiment_confidence == 0.5
    legal = settings.legal_threat
    assert (legal.speakers, legal.inflections, legal.tolerant) == (("caller",), False, False)
    assert legal.synonyms == (("lawyer", ("brief", "legal eagle")),)
    assert settings.declining_call.window == 8
    assert settings.agent_conduct.threshold == -0.8
    assert settings.missing_disclosure.variants == ("you are being recorded",)
    assert settings.missing_disclosure.max_cost == 0.2
    assert settings.missing_disclosure.phrases == AlertSettings().missing_disclosure.phrases


def test_new_rule_settings_are_checked(tmp_path):
    path = write(
        tmp_path,
        """
[rules.legal_threat]
speakers = ["customer"]
[rules.legal_threat.synonyms]
lawyer = [1]
[rules.declining_call]
window = 0
[rules.missing_disclosure]
max_cost = 2
""",
    )
    assert problems(path) == [
        f'{path}: rules.legal_threat.speakers: expected speakers among "agent", "caller", "unknown", got "customer"',
        f"{path}: rules.legal_threat.synonyms: lawyer: expected a non-empty list of non-empty strings, got [1]",
        f"{path}: rules.declining_call.window: expected an integer between 1 and 20, got 0",
        f"{path}: rules.missing_disclosure.max_cost: expected a number between 0 and 1, got 2",
    ]


def test_setting_the_phrases_drops_the_built_in_variants(tmp_path):
    path = write(tmp_path, '[rules.missing_disclosure]\nphrases = ["calls are monitored"]\n')
    assert load_alert_settings(path, env={}).missing_disclosure.variants == ()


def test_alert_stream_settings_from_file_and_environment(tmp_path):
    path = write(tmp_path, "[notify]\nreplay_s = 60\nconcurrency = 2\n")
    env = {
        "CALLMON_ALERT_STREAM_MAX_LEN": "50000",
        "CALLMON_ALERTS_CLAIM_IDLE_S": "12.5",
        "CALLMON_ALERTS_MAX_DELIVERIES": "3",
    }
    notify = load_alert_settings(path, env=env).notify
    assert (notify.stream_max_len, notify.claim_idle_s, notify.max_deliveries) == (50000, 12.5, 3)
    assert (notify.replay_s, notify.concurrency) == (60, 2)


def test_alert_stream_settings_are_checked():
    problems = load_problems({"CALLMON_ALERTS_CLAIM_IDLE_S": "0", "CALLMON_ALERTS_MAX_DELIVERIES": "none"})
    assert [line.split(":")[1].strip() for line in problems] == [
        "CALLMON_ALERTS_CLAIM_IDLE_S",
        "CALLMON_ALERTS_MAX_DELIVERIES",
    ]


def load_problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_alert_settings(env=env)
    return caught.value.problems
