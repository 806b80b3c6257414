"""The Markdown table of every setting, generated from the settings classes.

README.md holds exactly this table between two marker comments, and a test
fails when they differ, so the documentation cannot drift from the code.
Regenerate it with ``callmon settings --update-readme README.md`` (or
``python -m app.settings_table README.md``).
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from alerts.config import CONFIG_ENV as ALERTS_CONFIG_ENV
from alerts.config import ENV_KEYS, AlertSettings
from chat.settings import ChatSettings
from dashboard.settings import DashboardSettings
from ingest.settings import IngestSettings
from ingest.settings_base import CONFIG_ENV, CallmonSettings, env_names
from ingest.translation.settings import TranslationSettings
from qa.settings import QASettings
from vicidial.settings import ViciDialSettings

SETTINGS_CLASSES: tuple[type[CallmonSettings], ...] = (
    IngestSettings,
    TranslationSettings,
    ChatSettings,
    ViciDialSettings,
    DashboardSettings,
    QASettings,
)
"""Every component's settings, in the order the table lists them."""

TABLE_START = "<!-- settings-table:start -->"
TABLE_END = "<!-- settings-table:end -->"
REGENERATE = "callmon settings --update-readme README.md"
HEADER = ("variable", "component", "type", "default", "meaning")


@dataclass(frozen=True, slots=True)
class SettingRow:
    variable: str
    component: str
    type: str
    default: str
    meaning: str


def setting_rows() -> Iterator[SettingRow]:
    yield SettingRow(
        f"`{CONFIG_ENV}`",
        "all",
        "path",
        "unset",
        "Optional TOML file with an `[ingest]`, `[translation]`, `[chat]`, `[vicidial]`, `[dashboard]` "
        "and `[qa]` table of these settings (keys are the field names); the environment wins over it.",
    )
    for settings_cls in SETTINGS_CLASSES:
        for name, field in settings_cls.model_fields.items():
            names = env_names(settings_cls, name)
            if not names:
                continue  # set by code only (a command-line flag), never configured
            variable = f"`{names[0]}`" + "".join(f" (or `{other}`)" for other in names[1:])
            yield SettingRow(
                variable,
                f"{settings_cls.config_table}.{name}",
                type_name(field),
                default_text(field),
                " ".join((field.description or "").split()),
            )


_ALERT_MEANINGS = {
    "dashboard_url": "Link to the dashboard put in notifications.",
    "timeout_s": "Per notification attempt.",
    "retries": "Extra attempts of a failed notification, with back-off.",
    "in_process": "Deliver notifications from the worker (0 when `callmon alerts` does it).",
    "stream_max_len": "About how many alerts the Redis stream `alerts:stream` keeps for dispatchers.",
    "claim_idle_s": "A delivery held this long by a dead `callmon alerts` is taken over by another.",
    "max_deliveries": "Take-overs of one alert before it is stored as failed and dead-lettered.",
    "webhook_url": "Slack incoming webhook.",
    "min_level": "Lowest alert level this channel receives.",
    "host": "SMTP server.",
    "port": "SMTP port.",
    "tls": "starttls, tls or none.",
    "user": "SMTP login.",
    "password": "SMTP password.",
    "from": "Sender address.",
    "to": "Recipients (comma list).",
    "ca_file": "CA bundle to verify the SMTP server with.",
    "api_key": "Resend API key.",
    "url": "Resend API base URL.",
}


def alert_rows() -> Iterator[SettingRow]:
    """The alerts' own variables (rules live in the TOML file `CALLMON_ALERTS_CONFIG` names)."""
    yield SettingRow(
        f"`{ALERTS_CONFIG_ENV}`",
        "alerts",
        "path",
        "unset",
        "TOML file of alert rules and notifiers (data/alerts.example.toml is the built-in default).",
    )
    notify = AlertSettings().notify
    for variable, (section, key) in ENV_KEYS.items():
        holder = notify if section == "notify" else getattr(notify, section)
        default = getattr(holder, "sender" if key == "from" else key)
        shown = "unset" if default in (None, ()) else f"`{default}`"
        component = f"alerts.{key}" if section == "notify" else f"alerts.{section}.{key}"
        yield SettingRow(
            f"`{variable}`",
            component,
            type(default).__name__ if default not in (None, ()) else "str",
            shown,
            _ALERT_MEANINGS.get(key, ""),
        )


def markdown_table() -> str:
    lines = [_row(HEADER), _row(("---",) * len(HEADER))]
    lines += [
        _row((row.variable, row.component, row.type, row.default, row.meaning))
        for row in (*setting_rows(), *alert_rows())
    ]
    return "\n".join(lines) + "\n"


def readme_table(readme: str) -> str | None:
    """The table between the markers in `readme`, or None when the markers are missing."""
    start, end = readme.find(TABLE_START), readme.find(TABLE_END)
    if start < 0 or end < start:
        return None
    return readme[start + len(TABLE_START) : end].strip("\n") + "\n"


def with_table(readme: str, table: str) -> str:
    """`readme` with the text between the markers replaced by `table`."""
    start, end = readme.find(TABLE_START), readme.find(TABLE_END)
    if start < 0 or end < start:
        raise ValueError(f"no {TABLE_START} ... {TABLE_END} markers to put the settings table between")
    return readme[: start + len(TABLE_START)] + "\n" + table + readme[end:]


def type_name(field: FieldInfo) -> str:
    extra = field.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("shown_type"), str):
        return str(extra["shown_type"])
    annotation = _without_none(field.annotation)
    origin = get_origin(annotation)
    if origin is tuple or origin is list:
        return "comma list"
    if origin is Literal:
        return " or ".join(str(choice) for choice in get_args(annotation))
    if isinstance(annotation, type):
        if issubclass(annotation, Path):
            return "path"
        if issubclass(annotation, bool):
            return "bool"
        return annotation.__name__
    return str(annotation)


def default_text(field: FieldInfo) -> str:
    value = field.default
    if value is PydanticUndefined or value is None:
        return "unset"
    if value == "":
        return "empty"
    if isinstance(value, tuple | list):
        return "`" + ",".join(_short(item) for item in value) + "`"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    return f"`{_short(value)}`"


def _short(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    code = getattr(value, "code", None)  # a chat menu language shows as its code
    return str(code) if isinstance(code, str) else str(value)


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        kept = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(kept) == 1:
            return kept[0]
    return annotation


def _row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def main(argv: list[str]) -> int:
    """Print the table; with a README path, rewrite that file's table in place."""
    if not argv:
        sys.stdout.write(markdown_table())
        return 0
    path = Path(argv[0])
    path.write_text(with_table(path.read_text(encoding="utf-8"), markdown_table()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
