"""The one place callmon reads its configuration: environment and `CALLMON_CONFIG`.

Each component has one typed settings class built on `CallmonSettings`
(pydantic-settings). Calling the class directly gives the built-in defaults
plus the arguments, and reads nothing, so tests never depend on the shell
that runs them. `from_env()` adds, from lowest to highest priority, the
component's table of the optional TOML file named by `CALLMON_CONFIG`, the
environment, then the arguments (command-line options)::

    # callmon.toml
    [ingest]
    http_port = 8081
    [translation]
    translator = "libretranslate"

Errors come out as one `SettingsError` whose message names the variable (or
the file and key) and the problem.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import AliasChoices, JsonValue, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

CONFIG_ENV = "CALLMON_CONFIG"
CODE_ONLY: dict[str, JsonValue] = {"configurable": False}
"""`json_schema_extra` of a field only code sets (from a command-line flag), never
the environment or the file: e.g. demo mode, which relaxes logins."""


class SettingsError(ValueError):
    """A setting has a value callmon cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class _Reading:
    """What `from_env` is reading now: the environment and the config file table."""

    environ: Mapping[str, str]
    table: Mapping[str, Any]
    source: str


# Set only while `from_env` builds an object, so a plain constructor reads nothing.
_READING: ContextVar[_Reading | None] = ContextVar("callmon_settings_reading", default=None)


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping, not `os.environ`."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # A blank variable (`X=" "`) is as unset as an empty one: a stray space
        # must not switch a feature on or hide the config file's value.
        set_values = {name: value for name, value in self._environ.items() if value.strip()}
        return parse_env_vars(set_values, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        if not configurable(field):
            return None, field_name, False
        return super().get_field_value(field, field_name)


class CallmonSettings(BaseSettings):
    """Base of every component's settings; see the module docstring."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        env_prefix="CALLMON_",
        env_ignore_empty=True,  # an empty variable means "unset", as `export X=` suggests (blank too)
        enable_decoding=False,  # lists are comma-separated in the environment, not JSON
        use_attribute_docstrings=True,
        validate_by_name=True,
        validate_by_alias=True,
    )
    config_table: ClassVar[str]
    """This component's table in the `CALLMON_CONFIG` file, and its name in the settings table."""
    error_type: ClassVar[type[SettingsError]] = SettingsError

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        reading = _READING.get()
        if reading is None:
            return (init_settings,)
        return (
            init_settings,
            _MappingEnvSource(settings_cls, reading.environ),
            InitSettingsSource(settings_cls, init_kwargs=dict(reading.table)),
        )

    def __init__(self, **values: Any) -> None:
        """Built from arguments (tests, code) a bad value is a `SettingsError` too,
        worded the way `from_env` words it."""
        try:
            super().__init__(**values)
        except ValidationError as error:
            if _READING.get() is not None:
                raise  # from_env describes it, naming where each value came from
            raise self.error_type(describe_errors(type(self), error, _Reading({}, {}, "arguments"))) from None

    @classmethod
    def defaults(cls) -> Self:
        """The built-in defaults; reads neither the environment nor a file."""
        return cls()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Settings from `env` (default: the process environment) and `CALLMON_CONFIG`;
        `overrides` that are not None win over both."""
        environ = read_environment() if env is None else env
        try:
            table, source = config_table(environ, cls.config_table)
        except SettingsError as error:
            raise cls.error_type(str(error)) from None  # the component's error type, for its CLI
        fixed = [
            name for name in table if name in cls.model_fields and not configurable(cls.model_fields[name])
        ]
        if fixed:
            raise cls.error_type(
                f"{source}: [{cls.config_table}] {', '.join(fixed)} cannot be set in a file, only on the command line"
            )
        reading = _Reading(environ, table, source)
        token = _READING.set(reading)
        try:
            return cls(**{name: value for name, value in overrides.items() if value is not None})
        except ValidationError as error:
            raise cls.error_type(describe_errors(cls, error, reading)) from None
        finally:
            _READING.reset(token)


def read_environment() -> Mapping[str, str]:
    """The process environment: the one read of it in callmon's own code."""
    return os.environ


def configurable(field: FieldInfo) -> bool:
    extra = field.json_schema_extra
    return not (isinstance(extra, dict) and extra.get("configurable") is False)


def env_names(settings_cls: type[CallmonSettings], name: str) -> list[str]:
    """The variables a field is read from, the preferred one first ([] when none)."""
    field = settings_cls.model_fields[name]
    if not configurable(field):
        return []
    alias = field.validation_alias
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str)]
    return [f"{settings_cls.model_config.get('env_prefix', '')}{name}".upper()]


def config_table(environ: Mapping[str, str], table: str) -> tuple[dict[str, Any], str]:
    """The `[table]` of the `CALLMON_CONFIG` file ({} when unset), and a name for messages."""
    path_text = (environ.get(CONFIG_ENV) or "").strip()
    if not path_text:
        return {}, ""
    path = Path(path_text).expanduser()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SettingsError(
            f"{CONFIG_ENV}={path_text!r}: cannot read it ({error.strerror or error})"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{CONFIG_ENV}={path_text!r} is not valid TOML: {error}") from None
    section = data.get(table, {})
    if not isinstance(section, dict):
        raise SettingsError(f"{path}: [{table}] must be a table of settings, not {section!r}")
    return section, str(path)


def describe_errors(settings_cls: type[CallmonSettings], error: ValidationError, reading: _Reading) -> str:
    """One line per problem, naming where the bad value came from."""
    return "\n".join(_describe(settings_cls, problem, reading) for problem in error.errors())


def _describe(settings_cls: type[CallmonSettings], problem: Any, reading: _Reading) -> str:
    cause = (problem.get("ctx") or {}).get("error")
    if isinstance(cause, SettingsError):
        return str(cause)  # our own validators already name the variable
    message = str(cause) if isinstance(cause, ValueError) else problem["msg"]
    name = _field_name(settings_cls, problem["loc"])
    if name is None:
        return message
    if problem["type"] == "extra_forbidden":
        known = ", ".join(settings_cls.model_fields)
        return f"{reading.source}: [{settings_cls.config_table}] {name} is not a setting; known: {known}"
    for env_name in env_names(settings_cls, name) if name in settings_cls.model_fields else []:
        if reading.environ.get(env_name):
            return f"{env_name}={reading.environ[env_name]!r}: {message}"
    if name in reading.table:
        return f"{reading.source}: [{settings_cls.config_table}] {name}={reading.table[name]!r}: {message}"
    return f"{name}={problem.get('input')!r}: {message}"


def _field_name(settings_cls: type[CallmonSettings], loc: tuple[Any, ...]) -> str | None:
    if not loc:
        return None
    key = str(loc[0])
    for name in settings_cls.model_fields:
        if key == name or key in env_names(settings_cls, name):
            return name
    return key
