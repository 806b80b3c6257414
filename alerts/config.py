"""Alert settings: one typed object, from a TOML file plus the environment.

Built-in defaults (SPEC.md's seven rules and the disclosure rule) apply when
there is no file; a file changes only what it names. The path comes from
``CALLMON_ALERTS_CONFIG``; secrets come from the environment
(``CALLMON_SLACK_WEBHOOK_URL``, ``CALLMON_SMTP_PASSWORD``, ``RESEND_API_KEY``...).
The document is validated with pydantic models (`alerts.config_schema`);
every problem is reported at start-up, naming the file, key and problem::

    alerts.toml: rules.legal_threat.cooldown_s: expected a number >= 0, got "soon"

See data/alerts.example.toml for every key.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from alerts.config_schema import (
    BUILTIN_RULES,
    DEFAULT_RULES,
    AlertDocument,
    changes,
    problems,
    validate_document,
)
from alerts.levels import Level
from alerts.rules import (
    DEFAULT_AGENT_CONDUCT,
    DEFAULT_DECLINING,
    DEFAULT_DISCLOSURE,
    DEFAULT_KEYWORD_RULE,
    DEFAULT_LEGAL_RULE,
    DEFAULT_NEGATIVE_TREND,
    DEFAULT_PROFANITY,
    DEFAULT_SEVERE_TREND,
    DEFAULT_VERY_NEGATIVE,
    AgentConductRule,
    DecliningCallRule,
    DisclosureRule,
    KeywordRule,
    NegativeStreakRule,
    ProfanityRule,
    SegmentRule,
    VeryNegativeRule,
    WordGate,
)
from ingest.analysis import DEFAULT_EXCEPTIONS

CONFIG_ENV = "CALLMON_ALERTS_CONFIG"
TlsMode = Literal["starttls", "tls", "none"]


class ConfigError(ValueError):
    """The alert configuration is unusable; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class SlackSettings:
    webhook_url: str | None = None
    min_level: Level = "urgent"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str | None = None
    port: int = 587
    tls: TlsMode = "starttls"
    """"starttls" (upgrade after connecting), "tls" (implicit, port 465) or "none"."""
    user: str | None = None
    password: str | None = None
    sender: str = "callmon@localhost"
    to: tuple[str, ...] = ()
    ca_file: str | None = None
    """CA bundle that signs a private mail relay's certificate."""
    min_level: Level = "urgent"


@dataclass(frozen=True, slots=True)
class ResendSettings:
    api_key: str | None = None
    url: str = "https://api.resend.com"
    sender: str | None = None
    to: tuple[str, ...] = ()
    min_level: Level = "urgent"


@dataclass(frozen=True, slots=True)
class NotifySettings:
    dashboard_url: str = "http://localhost:8095"
    """Base of the links to a call in notifications: {dashboard_url}/calls/{call_id}."""
    timeout_s: float = 10.0
    """Per delivery attempt."""
    retries: int = 3
    """Attempts after the first; waits backoff_s, 2 x backoff_s, 4 x ... between."""
    backoff_s: float = 1.0
    in_process: bool = True
    """Deliver from the ingest process; false when `callmon alerts` runs apart."""
    queue_size: int = 1000
    """Alerts waiting per channel before new ones are dropped (and logged)."""
    stream_max_len: int = 10000
    """About how many alerts the Redis stream ``alerts:stream`` keeps (the worker trims
    it as it appends); more than dispatchers could ever fall behind by."""
    claim_idle_s: float = 30.0
    """A delivery held this long by a dispatcher that stopped answering (crashed, killed)
    is taken over by another `callmon alerts`; live dispatchers refresh what they hold."""
    max_deliveries: int = 5
    """Times one alert may be handed to dispatchers (take-overs after crashes) before
    it is stored as failed and dead-lettered instead of tried again."""
    replay_s: float = 3600.0
    """How far back in the stream a channel's very first dispatcher starts: alerts
    older than this are not sent to a channel that did not exist yet."""
    concurrency: int = 8
    """Deliveries in flight per channel in one `callmon alerts` process."""
    slack: SlackSettings = field(default_factory=SlackSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    resend: ResendSettings = field(default_factory=ResendSettings)


@dataclass(frozen=True, slots=True)
class AlertSettings:
    min_confidence: float = 0.4
    """Keyword and profanity rules ignore words the recogniser was less sure of: the
    matched word's own confidence, or the segment's when the engine gives none."""
    min_whisper_word_confidence: float = 0.2
    """`min_confidence` for faster-whisper's words, whose probabilities are not
    pocketsphinx's posteriors: on the tiny.en runs of bench/insight_e2e (six runs, 92
    keywords heard right, 34 wrong) every wrong keyword below 0.5 was a prompted
    keyword written at a segment's edge at 0.00-0.04 ("ombudsman yearly price
    change"), while right ones reach down to 0.35 ("taking this to the ombudsman")."""
    min_spot_confidence: float = 0.85
    """A keyword found by the engine's keyword-spotting pass (pocketsphinx) counts at
    this closeness between the keyword's sounds and the transcript's words over it
    (1.0: the transcript says it too), however low the transcribed word's own
    confidence; looser spots were nearly all false in the calibration run
    (see `alerts.rules.WordGate`)."""
    min_sentiment_confidence: float = 0.3
    """Sentiment rules (and the moods) ignore segments the recogniser was less sure of:
    misrecognised speech ("all evil illegal") scores as garbage."""
    sentiment_on_heard_words: bool = True
    """Sentiment rules read an utterance's score over the words heard at `min_confidence`
    or better, not over every recognised word: under babble the guessed words ("he died",
    "a threat") carry the score (`alerts.trust.heard_sentiment`)."""
    exceptions: tuple[str, ...] = DEFAULT_EXCEPTIONS
    """Phrases in which a keyword does not count ("cancel the hold")."""
    keyword_detected: KeywordRule = DEFAULT_KEYWORD_RULE
    legal_threat: KeywordRule = DEFAULT_LEGAL_RULE
    profanity: ProfanityRule = DEFAULT_PROFANITY
    negative_trend: NegativeStreakRule = DEFAULT_NEGATIVE_TREND
    severe_negative_trend: NegativeStreakRule = DEFAULT_SEVERE_TREND
    very_negative: VeryNegativeRule = DEFAULT_VERY_NEGATIVE
    declining_call: DecliningCallRule = DEFAULT_DECLINING
    agent_conduct: AgentConductRule = DEFAULT_AGENT_CONDUCT
    missing_disclosure: DisclosureRule = DEFAULT_DISCLOSURE
    custom_rules: tuple[KeywordRule, ...] = ()
    notify: NotifySettings = field(default_factory=NotifySettings)

    @property
    def word_gate(self) -> WordGate:
        """When the keyword and profanity rules believe a recognised word."""
        return WordGate(
            min_confidence=self.min_confidence,
            min_spot_confidence=self.min_spot_confidence,
        )

    @property
    def segment_rules(self) -> tuple[SegmentRule, ...]:
        """Every per-utterance rule, built-in first, in evaluation (and reason) order."""
        return tuple(getattr(self, name) for name in BUILTIN_RULES[:-1]) + self.custom_rules


_NOTIFY_SECTIONS = ("slack", "smtp", "resend")
# Environment variable -> (section, key). Lists are comma separated.
ENV_KEYS: dict[str, tuple[str, str]] = {
    "CALLMON_DASHBOARD_URL": ("notify", "dashboard_url"),
    "CALLMON_NOTIFY_TIMEOUT_S": ("notify", "timeout_s"),
    "CALLMON_NOTIFY_RETRIES": ("notify", "retries"),
    "CALLMON_ALERTS_IN_PROCESS": ("notify", "in_process"),
    "CALLMON_ALERT_STREAM_MAX_LEN": ("notify", "stream_max_len"),
    "CALLMON_ALERTS_CLAIM_IDLE_S": ("notify", "claim_idle_s"),
    "CALLMON_ALERTS_MAX_DELIVERIES": ("notify", "max_deliveries"),
    "CALLMON_SLACK_WEBHOOK_URL": ("slack", "webhook_url"),
    "CALLMON_SLACK_MIN_LEVEL": ("slack", "min_level"),
    "CALLMON_SMTP_HOST": ("smtp", "host"),
    "CALLMON_SMTP_PORT": ("smtp", "port"),
    "CALLMON_SMTP_TLS": ("smtp", "tls"),
    "CALLMON_SMTP_USER": ("smtp", "user"),
    "CALLMON_SMTP_PASSWORD": ("smtp", "password"),
    "CALLMON_SMTP_FROM": ("smtp", "from"),
    "CALLMON_SMTP_TO": ("smtp", "to"),
    "CALLMON_SMTP_CA_FILE": ("smtp", "ca_file"),
    "CALLMON_SMTP_MIN_LEVEL": ("smtp", "min_level"),
    "RESEND_API_KEY": ("resend", "api_key"),
    "CALLMON_RESEND_URL": ("resend", "url"),
    "CALLMON_RESEND_FROM": ("resend", "from"),
    "CALLMON_RESEND_TO": ("resend", "to"),
    "CALLMON_RESEND_MIN_LEVEL": ("resend", "min_level"),
}


def load_alert_settings(
    path: str | Path | None = None, env: Mapping[str, str] | None = None
) -> AlertSettings:
    """Settings from `path` (None: $CALLMON_ALERTS_CONFIG, else built-ins) and the environment."""
    env = os.environ if env is None else env
    path = path or env.get(CONFIG_ENV) or None
    data: dict[str, Any] = {}
    source = "built-in defaults"
    if path is not None:
        source = str(path)
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError([f"{source}: file not found"]) from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError([f"{source}: cannot read: {error}"]) from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError([f"{source}: not valid TOML: {error}"]) from None
    return settings_from_mapping(data, source=source, env=env)


def settings_from_mapping(
    data: Mapping[str, Any], *, source: str = "alerts config", env: Mapping[str, str] | None = None
) -> AlertSettings:
    """Validate an already-parsed TOML document (plus environment overrides)."""
    document, origin = _with_environment(data, env or {})
    try:
        valid = validate_document(document)
    except ValidationError as error:
        raise ConfigError(problems(error, source, origin)) from None
    settings = _settings(valid)
    trouble = _channel_problems(settings.notify, source)
    if trouble:
        raise ConfigError(trouble)
    return settings


def _with_environment(
    data: Mapping[str, Any], env: Mapping[str, str]
) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    """`data` with the environment's values laid over it, and where each came from."""
    document = dict(data)
    origin: dict[tuple[str, ...], str] = {}
    for env_name, (section, name) in ENV_KEYS.items():
        raw = env.get(env_name)
        if not raw:
            continue
        notify = document.get("notify", {})
        if not isinstance(notify, Mapping):
            continue  # the file's own error ("expected a table") is reported
        notify = document["notify"] = dict(notify)
        loc: tuple[str, ...] = ("notify", name) if section == "notify" else ("notify", section, name)
        if section == "notify":
            notify[name] = _from_env(raw, name)
        else:
            table = notify.get(section, {})
            if not isinstance(table, Mapping):
                continue
            notify[section] = {**table, name: _from_env(raw, name)}
        origin[loc] = env_name
    return document, origin


def _settings(document: AlertDocument) -> AlertSettings:
    values: dict[str, Any] = {
        key: getattr(document, key)
        for key in (
            "min_confidence",
            "min_whisper_word_confidence",
            "min_spot_confidence",
            "min_sentiment_confidence",
            "sentiment_on_heard_words",
            "exceptions",
        )
        if key in document.model_fields_set
    }
    for name, default in DEFAULT_RULES.items():
        table = getattr(document.rules, name)
        updates = changes(table)
        if name == "missing_disclosure" and "phrases" in updates and "variants" not in updates:
            updates["variants"] = ()  # the built-in variants are wordings of the built-in phrases only
        if name == "missing_disclosure" and "phrases" in updates and "any_recording_wording" not in updates:
            updates["any_recording_wording"] = False  # a script of one's own is read out as written
        values[name] = dataclasses.replace(default, **updates)
    values["custom_rules"] = tuple(
        dataclasses.replace(
            KeywordRule(
                name=name, level="warning", cooldown_s=60.0, keywords=("",), label=name.replace("_", " ")
            ),
            **changes(table),
        )
        for name, table in document.custom_rules.items()
    )
    notify = document.notify
    values["notify"] = NotifySettings(
        **_without(changes(notify), _NOTIFY_SECTIONS),
        slack=SlackSettings(**changes(notify.slack)),
        smtp=SmtpSettings(**changes(notify.smtp)),
        resend=ResendSettings(**changes(notify.resend)),
    )
    return AlertSettings(**values)


def _without(values: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key not in keys}


def _channel_problems(notify: NotifySettings, source: str) -> list[str]:
    found = []
    if notify.smtp.host and not notify.smtp.to:
        found.append(f"{source}: notify.smtp.to: missing: who should the alert mails go to?")
    if notify.resend.api_key and not (notify.resend.sender and notify.resend.to):
        found.append(f"{source}: notify.resend: needs from and to when an api_key is set")
    return found


def _from_env(raw: str, name: str) -> Any:
    """An environment string as the TOML value it stands for (checks report the rest)."""
    if name == "to":
        return [part.strip() for part in raw.split(",") if part.strip()]
    if name == "in_process":
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
            raw.strip().lower(), raw
        )
    if name in ("port", "retries", "timeout_s", "stream_max_len", "claim_idle_s", "max_deliveries"):
        for kind in (int, float):
            try:
                return kind(raw)
            except ValueError:
                continue
    return raw
