"""Dashboard settings: one typed object, read from the environment in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

DEFAULT_PORT = 8095


class DashboardConfigError(ValueError):
    """The dashboard cannot start as configured; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class DashboardSettings:
    host: str = "0.0.0.0"
    port: int = DEFAULT_PORT
    secret: str | None = None
    """Signs session cookies (CALLMON_DASHBOARD_SECRET); required outside demo mode."""
    public_url: str | None = None
    """How people reach the dashboard (CALLMON_DASHBOARD_URL), for printed links."""
    ingest_url: str | None = None
    """The worker's HTTP base URL, probed for health when the dashboard runs alone."""
    sessions_path: Path | None = None
    """Where logged-in sessions are kept; next to the database when None."""
    demo: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> DashboardSettings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        if env.get("CALLMON_DASHBOARD_HOST"):
            values["host"] = env["CALLMON_DASHBOARD_HOST"]
        if env.get("CALLMON_DASHBOARD_PORT"):
            try:
                values["port"] = int(env["CALLMON_DASHBOARD_PORT"])
            except ValueError:
                raise DashboardConfigError(
                    f"CALLMON_DASHBOARD_PORT={env['CALLMON_DASHBOARD_PORT']!r} is not a port"
                ) from None
        for name, key in (
            ("secret", "CALLMON_DASHBOARD_SECRET"),
            ("public_url", "CALLMON_DASHBOARD_URL"),
            ("ingest_url", "CALLMON_INGEST_URL"),
        ):
            if env.get(key):
                values[name] = env[key]
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        if not 0 <= settings.port <= 65535:
            raise DashboardConfigError(f"dashboard port {settings.port} is not a TCP port")
        return settings

    def with_port(self, port: int) -> DashboardSettings:
        return replace(self, port=port)

    def url(self, bound_port: int | None = None) -> str:
        """The URL to print: the configured public one, else this host and port."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{bound_port or self.port}"
