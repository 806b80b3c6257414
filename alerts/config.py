"""Alert settings: one typed object, from a TOML file plus the environment.

Built-in defaults (SPEC.md's seven rules and the disclosure rule) apply when
there is no file; a file changes only what it names. The path comes from
``CALLMON_ALERTS_CONFIG``; secrets come from the environment
(``CALLMON_SLACK_WEBHOOK_URL``, ``CALLMON_SMTP_PASSWORD``, ``RESEND_API_KEY``...).
Every problem is reported at start-up, naming the file, key and problem::

    alerts.toml: rules.legal_threat.cooldown_s: expected a number >= 0, got "soon"

See data/alerts.example.toml for every key.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from alerts import checks
from alerts.levels import Level
from alerts.rules import (
    DEFAULT_KEYWORD_RULE,
    DEFAULT_LEGAL_RULE,
    DEFAULT_NEGATIVE_TREND,
    DEFAULT_SEVERE_TREND,
    AgentConductRule,
    DecliningCallRule,
    DisclosureRule,
    KeywordRule,
    NegativeStreakRule,
    ProfanityRule,
    SegmentRule,
    VeryNegativeRule,
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
    slack: SlackSettings = field(default_factory=SlackSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    resend: ResendSettings = field(default_factory=ResendSettings)


@dataclass(frozen=True, slots=True)
class AlertSettings:
    min_confidence: float = 0.4
    """Keyword and profanity rules ignore segments the recogniser was less sure of."""
    min_sentiment_confidence: float = 0.3
    """Sentiment rules (and the moods) ignore segments the recogniser was less sure of:
    misrecognised speech ("all evil illegal") scores as garbage."""
    exceptions: tuple[str, ...] = DEFAULT_EXCEPTIONS
    """Phrases in which a keyword does not count ("cancel the hold")."""
    keyword_detected: KeywordRule = DEFAULT_KEYWORD_RULE
    legal_threat: KeywordRule = DEFAULT_LEGAL_RULE
    profanity: ProfanityRule = ProfanityRule()
    negative_trend: NegativeStreakRule = DEFAULT_NEGATIVE_TREND
    severe_negative_trend: NegativeStreakRule = DEFAULT_SEVERE_TREND
    very_negative: VeryNegativeRule = VeryNegativeRule()
    declining_call: DecliningCallRule = DecliningCallRule()
    agent_conduct: AgentConductRule = AgentConductRule()
    missing_disclosure: DisclosureRule = DisclosureRule()
    custom_rules: tuple[KeywordRule, ...] = ()
    notify: NotifySettings = field(default_factory=NotifySettings)

    @property
    def segment_rules(self) -> tuple[SegmentRule, ...]:
        """Every per-utterance rule, built-in first, in evaluation (and reason) order."""
        return tuple(getattr(self, name) for name in BUILTIN_RULES[:-1]) + self.custom_rules


BUILTIN_RULES = (
    "keyword_detected", "legal_threat", "profanity", "negative_trend",
    "severe_negative_trend", "very_negative", "declining_call", "agent_conduct", "missing_disclosure",
)  # fmt: skip
_RULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

_NOTIFY_FIELDS: dict[str, checks.Check] = {
    "dashboard_url": checks.url,
    "timeout_s": checks.number(0, above=True),
    "retries": checks.integer(0, 20),
    "backoff_s": checks.number(0),
    "in_process": checks.boolean,
    "queue_size": checks.integer(1),
}
_CHANNEL_FIELDS: dict[str, dict[str, checks.Check]] = {
    "slack": {"webhook_url": checks.url, "min_level": checks.level},
    "smtp": {
        "host": checks.text, "port": checks.integer(1, 65535),
        "tls": checks.one_of("starttls", "tls", "none"), "user": checks.text,
        "password": checks.text, "from": checks.text, "to": checks.strings,
        "ca_file": checks.text, "min_level": checks.level,
    },
    "resend": {
        "api_key": checks.text, "url": checks.url, "from": checks.text,
        "to": checks.strings, "min_level": checks.level,
    },
}  # fmt: skip
# Environment variable -> (section, key). Lists are comma separated.
ENV_KEYS: dict[str, tuple[str, str]] = {
    "CALLMON_DASHBOARD_URL": ("notify", "dashboard_url"),
    "CALLMON_NOTIFY_TIMEOUT_S": ("notify", "timeout_s"),
    "CALLMON_NOTIFY_RETRIES": ("notify", "retries"),
    "CALLMON_ALERTS_IN_PROCESS": ("notify", "in_process"),
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
    reader = _Reader(source)
    settings = reader.read(data, env or {})
    if reader.problems:
        raise ConfigError(reader.problems)
    return settings


class _Reader:
    """Walks the document once, collecting every problem rather than the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def problem(self, key: str, message: str, env_name: str | None = None) -> None:
        where = f"environment: {env_name}" if env_name else f"{self.source}: {key}"
        self.problems.append(f"{where}: {message}")

    def read(self, data: Mapping[str, Any], env: Mapping[str, str]) -> AlertSettings:
        self._unknown_keys(
            "",
            data,
            ("min_confidence", "min_sentiment_confidence", "exceptions", "rules", "custom_rules", "notify"),
        )
        values: dict[str, Any] = {}
        for key in ("min_confidence", "min_sentiment_confidence"):
            if key in data:
                values[key] = self._check(key, data[key], checks.number(0, 1))
        if "exceptions" in data:
            values["exceptions"] = self._check("exceptions", data["exceptions"], _strings_or_empty)
        rules = self._table("rules", data.get("rules", {}))
        for name, table in rules.items():
            if name not in BUILTIN_RULES:
                self.problem(
                    f"rules.{name}",
                    "unknown rule; built-in rules are "
                    + ", ".join(BUILTIN_RULES)
                    + f" (add your own under [custom_rules.{name}])",
                )
                continue
            default = _DEFAULT_RULES[name]
            if name == "missing_disclosure" and "phrases" in table and "variants" not in table:
                # The built-in variants are wordings of the built-in phrases only.
                default = dataclasses.replace(default, variants=())
            values[name] = self._rule(f"rules.{name}", default, self._table(f"rules.{name}", table))
        customs = []
        for name, table in self._table("custom_rules", data.get("custom_rules", {})).items():
            custom = self._custom_rule(name, self._table(f"custom_rules.{name}", table))
            if custom is not None:
                customs.append(custom)
        values["custom_rules"] = tuple(customs)
        values["notify"] = self._notify(self._table("notify", data.get("notify", {})), env)
        return AlertSettings(**{k: v for k, v in values.items() if v is not _BAD})

    def _rule(self, key: str, default: Any, table: Mapping[str, Any]) -> Any:
        allowed = [f.name for f in dataclasses.fields(default) if f.name != "name"]
        self._unknown_keys(key, table, allowed)
        changes = {
            name: self._check(f"{key}.{name}", value, checks.RULE_FIELDS[name])
            for name, value in table.items()
            if name in allowed
        }
        if any(value is _BAD for value in changes.values()):
            return _BAD
        return dataclasses.replace(default, **changes)

    def _custom_rule(self, name: str, table: Mapping[str, Any]) -> KeywordRule | None:
        key = f"custom_rules.{name}"
        if not _RULE_NAME.match(name) or name in BUILTIN_RULES:
            self.problem(key, "a custom rule needs a new name of lower-case letters, digits and _")
            return None
        for required in ("level", "keywords"):
            if required not in table:
                self.problem(f"{key}.{required}", "missing (a custom rule needs level and keywords)")
        if "level" not in table or "keywords" not in table:
            return None
        template = KeywordRule(
            name=name,
            level="warning",
            cooldown_s=60.0,
            keywords=("",),
            label=name.replace("_", " "),
        )
        rule = self._rule(key, template, table)
        return None if rule is _BAD else rule

    def _notify(self, table: Mapping[str, Any], env: Mapping[str, str]) -> Any:
        sections: dict[str, dict[str, Any]] = {"notify": dict(table)}
        for channel in _CHANNEL_FIELDS:
            sections[channel] = dict(self._table(f"notify.{channel}", table.get(channel, {})))
            sections["notify"].pop(channel, None)
        origin: dict[tuple[str, str], str] = {}
        for env_name, (section, name) in ENV_KEYS.items():
            raw = env.get(env_name)
            if raw:
                sections[section][name] = _from_env(raw, name)
                origin[(section, name)] = env_name
        self._unknown_keys("notify", sections["notify"], [*_NOTIFY_FIELDS, *_CHANNEL_FIELDS])
        notify = self._section("notify", sections["notify"], _NOTIFY_FIELDS, origin, "notify")
        channels = {
            channel: self._section(f"notify.{channel}", sections[channel], fields, origin, channel)
            for channel, fields in _CHANNEL_FIELDS.items()
        }
        slack = SlackSettings(**channels["slack"])
        smtp = SmtpSettings(**_renamed(channels["smtp"]))
        resend = ResendSettings(**_renamed(channels["resend"]))
        if smtp.host and not smtp.to:
            self.problem("notify.smtp.to", "missing: who should the alert mails go to?")
        if resend.api_key and not (resend.sender and resend.to):
            self.problem("notify.resend", "needs from and to when an api_key is set")
        return NotifySettings(**notify, slack=slack, smtp=smtp, resend=resend)

    def _section(
        self, key: str, table: Mapping[str, Any], fields: Mapping[str, checks.Check],
        origin: Mapping[tuple[str, str], str], section: str,
    ) -> dict[str, Any]:  # fmt: skip
        if key != "notify":
            self._unknown_keys(key, table, list(fields))
        values = {}
        for name, value in table.items():
            if name in fields:
                checked = self._check(f"{key}.{name}", value, fields[name], origin.get((section, name)))
                if checked is not _BAD:
                    values[name] = checked
        return values

    def _check(self, key: str, value: Any, check: checks.Check, env_name: str | None = None) -> Any:
        try:
            return check(value)
        except checks.Invalid as error:
            self.problem(key, str(error), env_name)
            return _BAD

    def _table(self, key: str, value: Any) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.problem(key, f"expected a table, got {checks.show(value)}")
            return {}
        return value

    def _unknown_keys(self, key: str, table: Mapping[str, Any], allowed: Any) -> None:
        for name in table:
            if name not in allowed:
                where = f"{key}.{name}" if key else name
                self.problem(where, f"unknown key; expected one of {', '.join(allowed)}")


_BAD = object()
_DEFAULT_RULES: dict[str, Any] = {
    "keyword_detected": DEFAULT_KEYWORD_RULE,
    "legal_threat": DEFAULT_LEGAL_RULE,
    "negative_trend": DEFAULT_NEGATIVE_TREND,
    "severe_negative_trend": DEFAULT_SEVERE_TREND,
    "profanity": ProfanityRule(),
    "very_negative": VeryNegativeRule(),
    "declining_call": DecliningCallRule(),
    "agent_conduct": AgentConductRule(),
    "missing_disclosure": DisclosureRule(),
}


def _strings_or_empty(value: Any) -> tuple[str, ...]:
    return () if value == [] else checks.strings(value)


def _renamed(values: dict[str, Any]) -> dict[str, Any]:
    # "from" is a Python keyword: the dataclasses call it `sender`.
    if "from" in values:
        values["sender"] = values.pop("from")
    return values


def _from_env(raw: str, name: str) -> Any:
    """An environment string as the TOML value it stands for (checks report the rest)."""
    if name == "to":
        return [part.strip() for part in raw.split(",") if part.strip()]
    if name == "in_process":
        return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
            raw.strip().lower(), raw
        )
    if name in ("port", "retries", "timeout_s"):
        for kind in (int, float):
            try:
                return kind(raw)
            except ValueError:
                continue
    return raw
