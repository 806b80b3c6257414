"""`callmon dashboard` (the dashboard alone, from Redis and SQLite) and `callmon users`."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from alerts.config import load_alert_settings
from app.cli.options import DB_OPTION, load_settings
from dashboard.roles import ROLES
from dashboard.services import open_standalone
from dashboard.settings import DashboardConfigError, DashboardSettings
from dashboard.startup import check_ready
from dashboard.users import UserError, UserStore
from ingest.storage.database import DatabaseTarget

T = TypeVar("T")
PORT_OPTION = click.option(
    "--port",
    "dashboard_port",
    type=int,
    envvar="CALLMON_DASHBOARD_PORT",
    show_envvar=True,
    help="Dashboard HTTP port.  [default: 8095]",
)


@click.command(name="dashboard")
@DB_OPTION
@PORT_OPTION
@click.option(
    "--host", envvar="CALLMON_DASHBOARD_HOST", show_envvar=True, help="Listen address.  [default: 0.0.0.0]"
)
@click.option("--redis-url", envvar="REDIS_URL", show_envvar=True, help="Redis the worker publishes to.")
@click.option(
    "--ingest-url",
    envvar="CALLMON_INGEST_URL",
    show_envvar=True,
    help="The worker's HTTP base URL, for the health indicator.  [default: http://127.0.0.1:8080]",
)
def dashboard(
    db_path: Path | None,
    dashboard_port: int | None,
    host: str | None,
    redis_url: str | None,
    ingest_url: str | None,
) -> None:
    """Serve the supervisor dashboard alone, reading Redis (live) and SQLite (stored).

    Needs CALLMON_DASHBOARD_SECRET and at least one admin (callmon users add NAME --role admin).
    """
    try:
        settings = DashboardSettings.from_env(port=dashboard_port, host=host, ingest_url=ingest_url)
    except DashboardConfigError as error:
        raise click.UsageError(str(error)) from None
    asyncio.run(_serve_alone(settings, load_settings(db_path=db_path).database, redis_url))


async def _serve_alone(settings: DashboardSettings, database: DatabaseTarget, redis_url: str | None) -> None:
    # NiceGUI is heavy to import: only commands that serve pages pay for it.
    from dashboard.serving import DashboardServer  # noqa: PLC0415 (NiceGUI: see above)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    db_path = database.path or load_settings().db_path
    services = await open_standalone(settings, db_path, redis_url, load_alert_settings(), database=database)
    try:
        try:
            await check_ready(settings, services.users)
            # With Redis, sessions live there: any instance behind a load balancer knows them.
            server = DashboardServer(services, sessions_redis_url=redis_url)
            await server.start()
        except (DashboardConfigError, OSError) as error:
            raise click.ClickException(str(error)) from None
        click.echo(
            f"callmon dashboard: {server.url} (database {database.describe()}, "
            f"bus {'redis' if redis_url else 'in-process: no live calls from another process'}). Ctrl-C stops."
        )
        await stop.wait()
        await server.stop()
    finally:
        await services.close()


def _with_users(db_path: Path | None, action: Callable[[UserStore], Awaitable[T]]) -> T:
    async def run() -> T:
        store = await UserStore.open(load_settings(db_path=db_path).database)
        try:
            return await action(store)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except UserError as error:
        raise click.ClickException(str(error)) from None


@click.group(name="users")
def users() -> None:
    """Dashboard users: add, remove, list, change passwords."""


@users.command(name="add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the user may open.")
@click.password_option(help="Asked for when not given.")
@DB_OPTION
def add_user(name: str, role: str, password: str, db_path: Path | None) -> None:
    """Add a user who can log in to the dashboard."""
    _with_users(db_path, lambda store: store.add(name, role, password))
    click.echo(f"added {name} ({role})")


@users.command(name="remove")
@click.argument("name")
@DB_OPTION
def remove_user(name: str, db_path: Path | None) -> None:
    """Remove a user (their open sessions end at their next request)."""
    if not _with_users(db_path, lambda store: store.remove(name)):
        raise click.ClickException(f"no user {name!r}")
    click.echo(f"removed {name}")


@users.command(name="passwd")
@click.argument("name")
@click.password_option(help="Asked for when not given.")
@DB_OPTION
def change_password(name: str, password: str, db_path: Path | None) -> None:
    """Set a user's password."""
    if not _with_users(db_path, lambda store: store.set_password(name, password)):
        raise click.ClickException(f"no user {name!r}")
    click.echo(f"password of {name} changed")


@users.command(name="list")
@DB_OPTION
def list_users(db_path: Path | None) -> None:
    """Users and their roles."""
    for user in _with_users(db_path, lambda store: store.list()):
        click.echo(f"{user.name}\t{user.role}")


def dashboard_commands() -> list[Any]:
    return [dashboard, users]


__all__ = ["dashboard", "dashboard_commands", "users"]
