# mypy: disable-error-code="valid-type"
# `checked(...)` builds an Annotated validator type at run time; mypy cannot
# evaluate a call in a type position, though pydantic reads the result fine.
"""The alert configuration document as pydantic models, and its errors in words.

pydantic walks the document: unknown keys, missing keys, tables that are not
tables, every value of every rule. Each value is checked by a small function
from `alerts.checks`, whose message says what was expected and what came
(``expected a number >= 0, got "soon"``). `problems()` turns pydantic's
errors into one line each, naming the file (or environment variable), the
dotted key and the problem::

    alerts.toml: rules.legal_threat.cooldown_s: expected a number >= 0, got "soon"

Rule tables are built from the rule dataclasses in `alerts.rules`, so a new
rule setting is a new dataclass field plus a check in `checks.RULE_FIELDS`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model
from pydantic_core import ErrorDetails, PydanticCustomError

from alerts import checks
from alerts.rules import (
    DEFAULT_KEYWORD_RULE,
    DEFAULT_LEGAL_RULE,
    DEFAULT_NEGATIVE_TREND,
    DEFAULT_SEVERE_TREND,
    AgentConductRule,
    DecliningCallRule,
    DisclosureRule,
    KeywordRule,
    ProfanityRule,
    VeryNegativeRule,
)

DEFAULT_RULES: dict[str, Any] = {
    "keyword_detected": DEFAULT_KEYWORD_RULE,
    "legal_threat": DEFAULT_LEGAL_RULE,
    "profanity": ProfanityRule(),
    "negative_trend": DEFAULT_NEGATIVE_TREND,
    "severe_negative_trend": DEFAULT_SEVERE_TREND,
    "very_negative": VeryNegativeRule(),
    "declining_call": DecliningCallRule(),
    "agent_conduct": AgentConductRule(),
    "missing_disclosure": DisclosureRule(),
}
"""Built-in rules by name, in evaluation order (the disclosure last)."""
BUILTIN_RULES = tuple(DEFAULT_RULES)
_RULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TABLE = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def checked(check: checks.Check) -> Any:
    """A pydantic type whose value is validated (and cleaned) by `check`."""

    def validate(value: Any) -> Any:
        try:
            return check(value)
        except checks.Invalid as error:
            raise PydanticCustomError("callmon", str(error)) from None

    return Annotated[Any, BeforeValidator(validate)]


def _custom_rule_name(name: Any) -> str:
    if not isinstance(name, str) or not _RULE_NAME.match(name) or name in BUILTIN_RULES:
        raise checks.Invalid("a custom rule needs a new name of lower-case letters, digits and _")
    return name


def _rule_table(rule: Any, *, required: tuple[str, ...] = ()) -> type[BaseModel]:
    """A table model with one optional (or `required`) key per setting of `rule`'s dataclass."""
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(rule):
        if field.name != "name":
            default = ... if field.name in required else None
            fields[field.name] = (checked(checks.RULE_FIELDS[field.name]), default)
    return create_model(f"{type(rule).__name__}Table", __config__=_TABLE, **fields)


_RULE_TABLES = {name: _rule_table(rule) for name, rule in DEFAULT_RULES.items()}
RulesTable = create_model(
    "RulesTable",
    __config__=_TABLE,
    **{name: (model | None, None) for name, model in _RULE_TABLES.items()},  # type: ignore[call-overload]  # create_model takes field tuples built at run time
)
_CUSTOM_TEMPLATE = KeywordRule(name="custom", level="warning", cooldown_s=60.0, keywords=("",))
CustomRuleTable = _rule_table(_CUSTOM_TEMPLATE, required=("level", "keywords"))


class SlackTable(BaseModel):
    model_config = _TABLE
    webhook_url: checked(checks.url) = None
    min_level: checked(checks.level) = None


class SmtpTable(BaseModel):
    model_config = _TABLE
    host: checked(checks.text) = None
    port: checked(checks.integer(1, 65535)) = None
    tls: checked(checks.one_of("starttls", "tls", "none")) = None
    user: checked(checks.text) = None
    password: checked(checks.text) = None
    sender: checked(checks.text) = Field(None, alias="from")
    to: checked(checks.strings) = None
    ca_file: checked(checks.text) = None
    min_level: checked(checks.level) = None


class ResendTable(BaseModel):
    model_config = _TABLE
    api_key: checked(checks.text) = None
    url: checked(checks.url) = None
    sender: checked(checks.text) = Field(None, alias="from")
    to: checked(checks.strings) = None
    min_level: checked(checks.level) = None


class NotifyTable(BaseModel):
    model_config = _TABLE
    dashboard_url: checked(checks.url) = None
    timeout_s: checked(checks.number(0, above=True)) = None
    retries: checked(checks.integer(0, 20)) = None
    backoff_s: checked(checks.number(0)) = None
    in_process: checked(checks.boolean) = None
    queue_size: checked(checks.integer(1)) = None
    stream_max_len: checked(checks.integer(100)) = None
    claim_idle_s: checked(checks.number(0, above=True)) = None
    max_deliveries: checked(checks.integer(1)) = None
    replay_s: checked(checks.number(0)) = None
    concurrency: checked(checks.integer(1, 1000)) = None
    slack: SlackTable = SlackTable()
    smtp: SmtpTable = SmtpTable.model_validate({})
    resend: ResendTable = ResendTable.model_validate({})


def _strings_or_empty(value: Any) -> tuple[str, ...]:
    return () if value == [] else checks.strings(value)


class AlertDocument(BaseModel):
    """The whole alerts.toml; every key optional."""

    model_config = _TABLE
    min_confidence: checked(checks.number(0, 1)) = None
    min_whisper_word_confidence: checked(checks.number(0, 1)) = None
    min_spot_confidence: checked(checks.number(0, 1)) = None
    min_sentiment_confidence: checked(checks.number(0, 1)) = None
    sentiment_on_heard_words: checked(checks.boolean) = None
    exceptions: checked(_strings_or_empty) = None
    rules: RulesTable = RulesTable()
    custom_rules: dict[checked(_custom_rule_name), CustomRuleTable] = {}
    notify: NotifyTable = NotifyTable()


def validate_document(data: Mapping[str, Any]) -> AlertDocument:
    """The validated document; raises pydantic's `ValidationError`."""
    return AlertDocument.model_validate(data)


def problems(
    error: ValidationError, source: str, env_origin: Mapping[tuple[str, ...], str] | None = None
) -> list[str]:
    """One line per problem: '<source or environment: VAR>: <dotted key>: <problem>'."""
    origin = env_origin or {}
    lines = []
    for detail in error.errors(include_url=False):
        loc = tuple(str(part) for part in detail["loc"] if part != "[key]")
        key = ".".join(loc)
        where = f"environment: {origin[loc]}" if loc in origin else f"{source}: {key}"
        lines.append(f"{where}: {_message(detail, loc)}")
    return lines


def _message(detail: ErrorDetails, loc: tuple[str, ...]) -> str:
    kind = detail["type"]
    if kind == "callmon":
        return str(detail["msg"])
    if kind == "extra_forbidden":
        return _unknown(loc)
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a table, got {checks.show(detail['input'])}"
    if kind == "missing":
        if loc[0] == "custom_rules":
            return "missing (a custom rule needs level and keywords)"
        return "missing"
    return str(detail["msg"])


def _unknown(loc: tuple[str, ...]) -> str:
    if len(loc) == 2 and loc[0] == "rules":
        return (
            "unknown rule; built-in rules are "
            + ", ".join(BUILTIN_RULES)
            + f" (add your own under [custom_rules.{loc[1]}])"
        )
    model = _model_at(loc[:-1])
    names = [field.alias or name for name, field in model.model_fields.items()]
    return f"unknown key; expected one of {', '.join(names)}"


def _model_at(loc: tuple[str, ...]) -> type[BaseModel]:
    model: type[BaseModel] = AlertDocument
    for part in loc:
        if model is AlertDocument and part == "custom_rules":
            return CustomRuleTable  # custom_rules.<name>: the next part is a rule name
        annotation = model.model_fields[part].annotation
        candidates: tuple[Any, ...] = getattr(annotation, "__args__", (annotation,))
        model = next(c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel))
    return model


def changes(table: BaseModel | None) -> dict[str, Any]:
    """The keys a table set, by field name (what a file leaves out keeps its default)."""
    if table is None:
        return {}
    return {name: getattr(table, name) for name in table.model_fields_set}
