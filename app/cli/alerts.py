"""`callmon alerts`: list and acknowledge alerts, or run the notification dispatcher."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import signal
from datetime import datetime
from pathlib import Path

import click
import redis.asyncio as redis
from redis.exceptions import RedisError

from alerts.config import AlertSettings, ConfigError, load_alert_settings
from alerts.consumer import run_alert_dispatcher
from alerts.store import AlertStore
from alerts.stream import ChannelBacklog, channel_backlogs
from app.cli.options import DB_OPTION, load_settings
from ingest.bus.channels import ALERTS as ALERTS_CHANNEL
from ingest.events import AlertAcknowledged, AlertRaised
from ingest.storage.database import DatabaseTarget


def _database(db_path: Path | None) -> DatabaseTarget:
    """CALLMON_DATABASE_URL when set, else --db, CALLMON_DB_PATH or the [ingest] db_path
    of CALLMON_CONFIG, else the default SQLite file."""
    return load_settings(db_path=db_path).database


@click.group(name="alerts", invoke_without_command=True)
@click.option(
    "--redis-url", envvar="REDIS_URL", help="Redis whose alerts:stream to deliver from [env REDIS_URL]."
)
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    envvar="CALLMON_ALERTS_CONFIG",
    help="Alert rules and notifiers (TOML) [env CALLMON_ALERTS_CONFIG].",
)  # fmt: skip
@DB_OPTION
@click.pass_context
def alerts(ctx: click.Context, redis_url: str | None, config_path: Path | None, db_path: Path | None) -> None:
    """List and acknowledge alerts; alone, deliver notifications from Redis.

    Without a subcommand this runs a notification dispatcher for the alerts
    the workers append to the Redis stream alerts:stream (for deployments that
    split it out of the worker). Run as many as you like: each alert is
    delivered once per channel, and a dead dispatcher's deliveries are taken
    over by the others.
    """
    if ctx.invoked_subcommand is not None:
        return
    if not redis_url:
        raise click.UsageError("the dispatcher needs --redis-url (or REDIS_URL)")
    try:
        settings = load_alert_settings(config_path)
    except ConfigError as error:
        raise click.ClickException(f"invalid alert configuration:\n{error}") from None
    # A dispatcher's log is what shows it working: at least INFO, even without -v
    # (`callmon` configured the root logger already, at WARNING by default).
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(min(root.level, logging.INFO))
    try:
        asyncio.run(_dispatch_until_stopped(redis_url, _database(db_path), settings))
    except KeyboardInterrupt:
        pass  # Ctrl-C is how this command is meant to stop
    click.echo("stopped", err=True)


async def _dispatch_until_stopped(redis_url: str, db_path: DatabaseTarget, settings: AlertSettings) -> None:
    """The dispatcher, stopped in order by SIGTERM (systemd) as by Ctrl-C: deliveries
    in flight get a few seconds, the rest stay pending for the other dispatchers."""
    dispatcher = asyncio.ensure_future(run_alert_dispatcher(redis_url, db_path, settings))
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, dispatcher.cancel)
    try:
        await dispatcher
    except asyncio.CancelledError:
        if not dispatcher.cancelled():
            raise


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


@alerts.command(name="backlog")
@click.option(
    "--redis-url", envvar="REDIS_URL", required=True, help="The dispatchers' Redis [env REDIS_URL]."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON array, one object per channel.")
def backlog_command(redis_url: str, as_json: bool) -> None:
    """Where each channel's notifications stand: waiting, in flight, dead-lettered."""

    async def fetch() -> list[ChannelBacklog]:
        client = redis.from_url(redis_url, socket_connect_timeout=5.0)
        try:
            return await channel_backlogs(client)
        finally:
            await client.aclose()

    try:
        backlogs = asyncio.run(fetch())
    except (RedisError, OSError) as error:
        raise click.ClickException(f"cannot read the alert stream: {error}") from None
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(backlog) for backlog in backlogs], indent=2))
        return
    if not backlogs:
        click.echo("no dispatcher has run yet (no consumer group on alerts:stream)")
        return
    click.echo(f"{'channel':<10} {'dispatchers':>11} {'waiting':>8} {'in flight':>9} {'dead letters':>12}")
    for backlog in backlogs:
        unread = "?" if backlog.unread is None else str(backlog.unread)
        click.echo(
            f"{backlog.channel:<10} {backlog.consumers:>11} {unread:>8} {backlog.pending:>9}"
            f" {backlog.dead_letters:>12}"
        )


async def _publish(redis_url: str, message: str) -> None:
    client = redis.from_url(redis_url)
    try:
        await client.publish(ALERTS_CHANNEL, message)
    finally:
        await client.aclose()
