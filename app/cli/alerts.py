"""`callmon alerts`: list and acknowledge alerts, or run the notification dispatcher."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from pathlib import Path

import click
import redis.asyncio as redis
from redis.exceptions import RedisError

from alerts.config import ConfigError, load_alert_settings
from alerts.consumer import ALERTS_CHANNEL, run_alert_dispatcher
from alerts.store import AlertStore
from app.cli.options import DB_OPTION, load_settings
from ingest.events import AlertAcknowledged, AlertRaised
from ingest.storage.database import DatabaseTarget


def _database(db_path: Path | None) -> DatabaseTarget:
    """CALLMON_DATABASE_URL when set, else --db, CALLMON_DB_PATH or the [ingest] db_path
    of CALLMON_CONFIG, else the default SQLite file."""
    return load_settings(db_path=db_path).database


@click.group(name="alerts", invoke_without_command=True)
@click.option("--redis-url", envvar="REDIS_URL", help="Redis to consume calls:alerts from [env REDIS_URL].")
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    envvar="CALLMON_ALERTS_CONFIG",
    help="Alert rules and notifiers (TOML) [env CALLMON_ALERTS_CONFIG].",
)  # fmt: skip
@DB_OPTION
@click.pass_context
def alerts(ctx: click.Context, redis_url: str | None, config_path: Path | None, db_path: Path | None) -> None:
    """List and acknowledge alerts; alone, deliver notifications from Redis.

    Without a subcommand this runs the notification dispatcher for alerts
    published on Redis (for deployments that split it out of the worker).
    """
    if ctx.invoked_subcommand is not None:
        return
    if not redis_url:
        raise click.UsageError("the dispatcher needs --redis-url (or REDIS_URL)")
    try:
        settings = load_alert_settings(config_path)
    except ConfigError as error:
        raise click.ClickException(f"invalid alert configuration:\n{error}") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(run_alert_dispatcher(redis_url, _database(db_path), settings))
    except KeyboardInterrupt:
        click.echo("stopped", err=True)  # Ctrl-C is how this command is meant to stop


@alerts.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of alerts.")
@click.option("--call", "call_id", help="Only this call's alerts.")
@click.option("--unacknowledged", is_flag=True, help="Only alerts nobody acknowledged yet.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1))
@DB_OPTION
def list_command(
    as_json: bool, call_id: str | None, unacknowledged: bool, limit: int, db_path: Path | None
) -> None:
    """The latest alerts, newest first."""

    async def fetch() -> list[AlertRaised]:
        store = await AlertStore.open(_database(db_path))
        try:
            return await store.list_alerts(limit, call_id, unacknowledged)
        finally:
            await store.close()

    found = asyncio.run(fetch())
    if as_json:
        click.echo(json.dumps([alert.to_dict() for alert in found], indent=2))
        return
    if not found:
        click.echo("no alerts")
        return
    for alert in found:
        when = datetime.fromtimestamp(alert.raised_at).strftime("%Y-%m-%d %H:%M:%S")
        ack = f"ack by {alert.acknowledged_by}" if alert.acknowledged_by else "NEW"
        click.echo(f"{alert.id}  {when}  {alert.level:<8}  {alert.call_id}  {ack}")
        click.echo(f"    {'; '.join(alert.reasons)}")
        if alert.text:
            click.echo(f"    {alert.speaker}: {alert.text}")


@alerts.command(name="ack")
@click.argument("alert_id")
@click.option(
    "--by",
    envvar="USER",
    default="cli",
    show_envvar=True,
    help="Who acknowledges.",
)
@click.option("--redis-url", envvar="REDIS_URL", help="Also tell live dashboards [env REDIS_URL].")
@DB_OPTION
def ack_command(alert_id: str, by: str, redis_url: str | None, db_path: Path | None) -> None:
    """Acknowledge one alert."""

    async def acknowledge() -> AlertAcknowledged | None:
        store = await AlertStore.open(_database(db_path))
        try:
            return await store.acknowledge(alert_id, by)
        finally:
            await store.close()

    event = asyncio.run(acknowledge())
    if event is None:
        raise click.ClickException(f"no unacknowledged alert {alert_id}")
    click.echo(f"acknowledged {alert_id} (call {event.call_id}) as {by}")
    if redis_url:
        try:
            asyncio.run(_publish(redis_url, json.dumps(event.to_dict())))
        except (RedisError, OSError) as error:
            click.echo(f"warning: acknowledged, but not announced on Redis: {error}", err=True)


async def _publish(redis_url: str, message: str) -> None:
    client = redis.from_url(redis_url)
    try:
        await client.publish(ALERTS_CHANNEL, message)
    finally:
        await client.aclose()
