"""Options shared by the commands that run a worker; each is also an environment variable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from alerts.config import ConfigError, load_alert_settings
from app.worker import ComponentSettings
from chat.settings import ChatSettings
from dashboard.settings import DashboardSettings
from ingest.settings import ASR_ENGINES, ASR_HELP, IngestSettings, SettingsError
from ingest.translation import TranslationSettings
from vicidial.settings import ViciDialSettings

DB_OPTION = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="CALLMON_DB_PATH",
    show_envvar=True,
    help="SQLite database file.  [default: data/callmon.db]",
)


def worker_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        DB_OPTION,
        click.option(
            "--audiosocket-port",
            type=int,
            envvar="CALLMON_AUDIOSOCKET_PORT",
            show_envvar=True,
            help="TCP port for Asterisk AudioSocket.  [default: 9093]",
        ),
        click.option(
            "--http-port",
            type=int,
            envvar="CALLMON_HTTP_PORT",
            show_envvar=True,
            help="HTTP port for /twilio/media, /twilio/voice and /healthz.  [default: 8080]",
        ),
        click.option(
            "--asr",
            type=click.Choice(ASR_ENGINES),
            envvar="CALLMON_ASR",
            show_envvar=True,
            help=ASR_HELP,
        ),
        click.option(
            "--redis-url",
            envvar="REDIS_URL",
            show_envvar=True,
            help="Redis for live fan-out (omit for the in-process bus).",
        ),
        click.option(
            "--allow-unsigned-twilio",
            is_flag=True,
            default=None,
            help="Serve the Twilio endpoints beyond loopback without TWILIO_AUTH_TOKEN (trusted networks only).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def load_settings(**overrides: Any) -> IngestSettings:
    try:
        return IngestSettings.from_env(**overrides)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None


def load_component_settings() -> ComponentSettings:
    """Alerts, translation, chat and ViciDial settings, from the environment."""
    try:
        return ComponentSettings(
            alerts=load_alert_settings(),
            translation=TranslationSettings.from_env(),
            chat=ChatSettings.from_env(),
            vicidial=ViciDialSettings.from_env(),
            # The dashboard signs listen-in tokens with its secret; the worker checks them.
            listen_secret=DashboardSettings.from_env().secret,
        )
    except (SettingsError, ConfigError) as error:  # ViciDial's and the dashboard's errors are SettingsErrors
        raise click.UsageError(str(error)) from None
