"""ViciDial enrichment settings: one typed object, read from the environment in one place.

Enrichment is off unless `CALLMON_VICIDIAL_HOST` is set. Every other field has
a default that matches a stock ViciDial install (database `asterisk` on 3306).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_RETRY_DELAYS: tuple[float, ...] = (0, 2, 5, 15, 30, 60, 120)
# Statuses ViciDial writes before the agent's wrap-up: not a disposition yet.
DEFAULT_PLACEHOLDER_STATUSES: tuple[str, ...] = ("DISPO", "INCALL", "QUEUE")
RECORDING_LAYOUTS = ("plain", "YYYY-MM-DD", "YYYY/MM/DD")


class ViciDialSettingsError(ValueError):
    """A ViciDial setting has a value callmon cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class ViciDialSettings:
    host: str
    """Primary ViciDial database server (writes happen there; we only read)."""
    port: int = 3306
    user: str = "callmon"
    """A read-only account: GRANT SELECT ON asterisk.* TO 'callmon'@'ingest-host'."""
    password: str = ""
    database: str = "asterisk"
    replica_host: str | None = None
    """Read replica, preferred for every query; the primary is the fallback."""
    replica_port: int | None = None
    """Defaults to `port`."""
    connect_timeout: float = 3.0
    query_timeout: float = 5.0
    """A query still running after this is abandoned and killed on the server."""
    pool_size: int = 4
    cache_ttl_s: float = 300.0
    live_agents_ttl_s: float = 5.0
    """Live agents change every second; a short cache only shields the database
    from many dashboards polling at once."""
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    """Seconds to wait before each look-up attempt, counted from the previous one."""
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
    def from_env(cls, env: Mapping[str, str] | None = None) -> ViciDialSettings | None:
        """Settings from `CALLMON_VICIDIAL_*`, or None when no host is configured."""
        env = os.environ if env is None else env
        host = env.get("CALLMON_VICIDIAL_HOST", "").strip()
        if not host:
            return None
        values: dict[str, Any] = {"host": host}
        for name, parse in _ENV_PARSERS.items():
            raw = env.get(f"CALLMON_VICIDIAL_{name.upper()}")
            if raw is None or raw.strip() == "":
                continue
            try:
                # Passwords may legitimately start or end with spaces.
                values[name] = parse(raw if name == "password" else raw.strip())
            except ValueError:
                raise ViciDialSettingsError(
                    f"CALLMON_VICIDIAL_{name.upper()}={raw!r} is not a valid value"
                ) from None
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        for name in ("port", "replica_port"):
            port = getattr(self, name)
            if port is not None and not 0 < port <= 65535:
                raise ViciDialSettingsError(f"CALLMON_VICIDIAL_{name.upper()}={port} is not a TCP port")
        for name in ("connect_timeout", "query_timeout"):
            if getattr(self, name) <= 0:
                raise ViciDialSettingsError(f"CALLMON_VICIDIAL_{name.upper()} must be > 0")
        if self.pool_size < 1:
            raise ViciDialSettingsError("CALLMON_VICIDIAL_POOL_SIZE must be >= 1")
        if self.recordings_layout not in RECORDING_LAYOUTS:
            raise ViciDialSettingsError(
                f"CALLMON_VICIDIAL_RECORDINGS_LAYOUT must be one of {RECORDING_LAYOUTS}"
            )
        if any(delay < 0 for delay in self.retry_delays):
            raise ViciDialSettingsError("CALLMON_VICIDIAL_RETRY_DELAYS must not be negative")


def _delays(raw: str) -> tuple[float, ...]:
    return tuple(float(part) for part in raw.split(",") if part.strip())


def _statuses(raw: str) -> tuple[str, ...]:
    return tuple(part.strip().upper() for part in raw.split(",") if part.strip())


_ENV_PARSERS: dict[str, Any] = {
    "port": int,
    "user": str,
    "password": str,
    "database": str,
    "replica_host": str,
    "replica_port": int,
    "connect_timeout": float,
    "query_timeout": float,
    "pool_size": int,
    "cache_ttl_s": float,
    "live_agents_ttl_s": float,
    "retry_delays": _delays,
    "after_call_delay_s": float,
    "recordings_url": str,
    "recordings_suffix": str,
    "recordings_layout": str,
    "placeholder_statuses": _statuses,
    "wrapup_window_s": float,
    "recording_window_s": float,
}
