"""Dashboard settings: one typed object (see `ingest.settings_base`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ingest.settings_base import CODE_ONLY, CallmonSettings, SettingsError

DEFAULT_PORT = 8095


class DashboardConfigError(SettingsError):
    """The dashboard cannot start as configured; the message says how to fix it."""


class DashboardSettings(CallmonSettings):
    model_config = SettingsConfigDict(env_prefix="CALLMON_DASHBOARD_")
    config_table = "dashboard"
    error_type = DashboardConfigError

    host: str = "0.0.0.0"
    """Address the dashboard listens on."""
    port: int = Field(DEFAULT_PORT, ge=0, le=65535)
    """Dashboard HTTP port."""
    secret: str | None = None
    """Signs session cookies; required outside demo mode."""
    public_url: str | None = Field(None, validation_alias="CALLMON_DASHBOARD_URL")
    """How people reach the dashboard, for printed links and alert notifications."""
    ingest_url: str | None = Field(None, validation_alias="CALLMON_INGEST_URL")
    """The worker's HTTP base URL, probed for health when the dashboard runs alone."""
    sessions_path: Path | None = None
    """Where logged-in sessions are kept; next to the database when unset."""
    demo: bool = Field(False, json_schema_extra=CODE_ONLY)
    """Demo mode (`callmon run --demo` only: it relaxes the login requirements)."""

    def with_port(self, port: int) -> DashboardSettings:
        return self.model_copy(update={"port": port})

    def url(self, bound_port: int | None = None) -> str:
        """The URL to print: the configured public one, else this host and port."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{bound_port or self.port}"
