"""ViciDial enrichment settings: one typed object (see `ingest.settings_base`).

Enrichment is off unless `CALLMON_VICIDIAL_HOST` is set. Every other field has
a default that matches a stock ViciDial install (database `asterisk` on 3306).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from ingest.settings_base import CallmonSettings, SettingsError, config_table, read_environment

DEFAULT_RETRY_DELAYS: tuple[float, ...] = (0, 2, 5, 15, 30, 60, 120)
# Statuses ViciDial writes before the agent's wrap-up: not a disposition yet.
DEFAULT_PLACEHOLDER_STATUSES: tuple[str, ...] = ("DISPO", "INCALL", "QUEUE")
RECORDING_LAYOUTS = ("plain", "YYYY-MM-DD", "YYYY/MM/DD")


class ViciDialSettingsError(SettingsError):
    """A ViciDial setting has a value callmon cannot use; the message names it."""


class ViciDialSettings(CallmonSettings):
    model_config = SettingsConfigDict(env_prefix="CALLMON_VICIDIAL_")
    config_table = "vicidial"
    error_type = ViciDialSettingsError

    host: str
    """Primary ViciDial database server; enrichment is off while unset."""
    port: int = Field(3306, gt=0, le=65535)
    """MySQL/MariaDB port of the primary."""
    user: str = "callmon"
    """A read-only account: GRANT SELECT ON asterisk.* TO 'callmon'@'ingest-host'."""
    password: str = ""
    """That account's password (kept exactly, spaces included)."""
    database: str = "asterisk"
    """ViciDial's database."""
    replica_host: str | None = None
    """Read replica, preferred for every query; the primary is the fallback."""
    replica_port: int | None = Field(None, gt=0, le=65535)
    """Replica port; defaults to `port`."""
    connect_timeout: float = Field(3.0, gt=0)
    """Seconds to connect before trying the other server."""
    query_timeout: float = Field(5.0, gt=0)
    """A query still running after this many seconds is abandoned and killed on the server."""
    pool_size: int = Field(4, ge=1)
    """Connections kept per server."""
    cache_ttl_s: float = 300.0
    """How long a looked-up call stays cached."""
    live_agents_ttl_s: float = 5.0
    """Cache of the live agents list; it only shields the database from many dashboards polling at once."""
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    """Seconds before each look-up attempt while the call runs, each counted from the previous one."""
    after_call_delay_s: float = 5.0
    """Wait after hangup before the final look-up (ViciDial logs the end then)."""
    recordings_url: str | None = None
    """Base URL of the recordings web folder, e.g. http://vicidial/RECORDINGS/MP3;
    used while recording_log has a bare filename (before the audio cron ran)."""
    recordings_suffix: str = "-all.mp3"
    """What ViciDial's audio cron appends to recording_log.filename."""
    recordings_layout: str = "plain"
    """Folders under `recordings_url`: plain (ViciDial's default), YYYY-MM-DD
    (file sorting on) or YYYY/MM/DD, dated from the recording's start_time."""
    placeholder_statuses: tuple[str, ...] = DEFAULT_PLACEHOLDER_STATUSES
    """Statuses that are not a disposition yet; the call is followed until another one."""
    wrapup_window_s: float = 1800.0
    """How long after hang-up to wait for the agent's disposition."""
    recording_window_s: float = 900.0
    """How long after hang-up to wait for the audio cron's recording URL."""

    @classmethod
    def from_env(  # type: ignore[override]  # None is how "enrichment off" reads
        cls, env: Mapping[str, str] | None = None, **overrides: Any
    ) -> ViciDialSettings | None:
        """Settings from `CALLMON_VICIDIAL_*` (and `[vicidial]`), or None when no host is configured."""
        environ = read_environment() if env is None else env
        try:
            table, _ = config_table(environ, cls.config_table)
        except SettingsError as error:
            raise ViciDialSettingsError(str(error)) from None
        hosts = (overrides.get("host"), environ.get("CALLMON_VICIDIAL_HOST"), table.get("host"))
        if not any(str(host or "").strip() for host in hosts):
            return None
        return super().from_env(environ, **overrides)

    @field_validator("*", mode="before")
    @classmethod
    def _strip(cls, value: Any, info: ValidationInfo) -> Any:
        # Passwords may legitimately start or end with spaces.
        if isinstance(value, str) and info.field_name != "password":
            return value.strip()
        return value

    @field_validator("retry_delays", mode="before")
    @classmethod
    def _delays(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("retry_delays")
    @classmethod
    def _not_negative(cls, delays: tuple[float, ...]) -> tuple[float, ...]:
        if any(delay < 0 for delay in delays):
            raise ViciDialSettingsError("CALLMON_VICIDIAL_RETRY_DELAYS must not be negative")
        return delays

    @field_validator("placeholder_statuses", mode="before")
    @classmethod
    def _statuses(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip().upper() for part in value.split(",") if part.strip())
        return value

    @field_validator("recordings_layout")
    @classmethod
    def _known_layout(cls, layout: str) -> str:
        if layout not in RECORDING_LAYOUTS:
            raise ViciDialSettingsError(
                f"CALLMON_VICIDIAL_RECORDINGS_LAYOUT must be one of {RECORDING_LAYOUTS}"
            )
        return layout
