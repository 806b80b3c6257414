"""`callmon ingest` (the worker alone) and `callmon run` (everything in one process:
worker, alerts, the dashboard on its own port, the live log)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import signal
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from app import event_loop
from app.cli.live_log import print_live_log
from app.cli.options import load_component_settings, load_settings, worker_options
from app.cli.workers import check_fleet_settings, supervise
from app.worker import IngestWorker, dashboard_services_for
from dashboard.services import DashboardServices
from dashboard.settings import DashboardConfigError, DashboardSettings
from dashboard.startup import check_ready, prepare_demo
from ingest.settings import IngestSettings, SettingsError, unsigned_twilio_problem
from ingest.tasks import spawn
from simulator.dialing import Target, run_simulation
from simulator.scripts import bundled_scripts

if TYPE_CHECKING:
    from dashboard.serving import DashboardServer


@click.command()
@worker_options
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    envvar="CALLMON_WORKERS",
    show_envvar=True,
    help="Worker processes on this machine (one event loop each: one per core). They share the "
    "AudioSocket and HTTP ports (SO_REUSEPORT), the database and Redis, which N > 1 requires; "
    "each owns the calls it receives (id CALLMON_WORKER_ID-n) and, if it dies, is restarted "
    "and takes them back, or a surviving worker ends them as interrupted.",
)
def ingest(workers: int, **options: Any) -> None:
    """Run the ingest worker alone: AudioSocket + Twilio in, SQLite + bus out.

    Every option can also be set by its environment variable; see the README
    for the rest (CALLMON_WHISPER_MODEL, TWILIO_AUTH_TOKEN, ...).
    """
    settings = load_settings(**options)
    if workers == 1:
        event_loop.run(_serve(settings, live_log=False, demo=None), settings.event_loop)
        return
    check_fleet_settings(settings, workers)
    asyncio.run(supervise(settings, workers))


@click.command()
@worker_options
@click.option("--demo", is_flag=True, help="Dial simulated calls into the worker, continuously.")
@click.option("--demo-calls", default=3, show_default=True, help="Simulated calls at a time in --demo.")
@click.option(
    "--speed", default=1.0, show_default=True, help="Pace of simulated calls (2 = twice real time)."
)
@click.option("--quiet", is_flag=True, help="No live log of segments and alerts.")
@click.option(
    "--port",
    "dashboard_port",
    type=int,
    envvar="CALLMON_DASHBOARD_PORT",
    show_envvar=True,
    help="Dashboard HTTP port.  [default: 8095]",
)
@click.option("--no-dashboard", is_flag=True, help="Do not serve the dashboard.")
def run(
    demo: bool,
    demo_calls: int,
    speed: float,
    quiet: bool,
    dashboard_port: int | None,
    no_dashboard: bool,
    **options: Any,
) -> None:
    """Run callmon in one process: ingest, alerts, dashboard, live log (and --demo calls)."""
    if demo and options.get("db_path") is None:
        options["db_path"] = Path("data/demo.db")
    settings = load_settings(**options)
    if demo and speed > 1:
        # The demo's own calls run faster than real time on purpose; the worker would
        # drop the excess as a flood (CALLMON_AUDIO_BURST_S), so pacing is off here.
        settings = settings.model_copy(update={"audio_burst_s": 0.0})
    dashboard = None
    if not no_dashboard:
        try:
            dashboard = DashboardSettings.from_env(port=dashboard_port, demo=demo)
        except DashboardConfigError as error:
            raise click.UsageError(str(error)) from None
    event_loop.run(
        _serve(settings, live_log=not quiet, demo=(demo_calls, speed) if demo else None, dashboard=dashboard),
        settings.event_loop,
    )


async def _serve(
    settings: IngestSettings,
    *,
    live_log: bool,
    demo: tuple[int, float] | None,
    dashboard: DashboardSettings | None = None,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    worker = IngestWorker(settings, load_component_settings())
    try:
        await worker.start()
    except (OSError, RuntimeError, sqlite3.Error, SettingsError) as error:
        # A port in use, an unreadable database or a speech-to-text server that
        # cannot be reached (EngineUnavailable is a RuntimeError) is a
        # configuration problem. The worker has already stopped what it had
        # started: one line, exit status 1.
        raise click.ClickException(f"cannot start the worker: {error}") from None
    click.echo(
        f"callmon ingest {worker.worker_id}: AudioSocket on port {worker.audiosocket_port}, "
        f"HTTP on port {worker.http_port}, "
        f"speech-to-text {worker.pipeline.services.engine_name}, database {settings.database.describe()}. Ctrl-C stops."
    )
    served = None
    if dashboard is not None:
        try:
            served = await _start_dashboard(worker, dashboard)
        except BaseException:
            await worker.stop()
            raise
    tasks = []
    if live_log:
        tasks.append(spawn(print_live_log(worker.bus), name="live-log"))
    if demo is not None:
        tasks.append(spawn(_demo_calls(worker, *demo), name="demo-calls"))
    try:
        await stop.wait()
    finally:
        click.echo("stopping: finishing calls in progress ...")
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if served is not None:
            await served[0].stop()
            await served[1].close()
        await worker.stop()


async def _start_dashboard(
    worker: IngestWorker, settings: DashboardSettings
) -> tuple[DashboardServer, DashboardServices]:
    """The dashboard on its own port in this process, reading the worker's in-process
    bus; the Twilio endpoints are served on its port too. Returns (server, services)."""
    # NiceGUI is heavy to import: only commands that serve pages pay for it.
    from dashboard.serving import DashboardServer  # noqa: PLC0415 (see above)

    services = await dashboard_services_for(worker, settings)
    try:
        password = None
        if settings.demo:
            settings, password = await prepare_demo(settings, services.users)
            services.settings = settings
        else:
            await check_ready(settings, services.users)
        worker.listen_secret = settings.secret  # the dashboard signs listen-in tokens with it
        # The Twilio endpoints ride on the dashboard's port too, unless that would
        # expose them unsigned beyond loopback.
        unsigned = unsigned_twilio_problem(worker.settings, settings.host)
        if unsigned is not None:
            click.echo(f"not serving Twilio on the dashboard port: {unsigned}", err=True)
        server = DashboardServer(
            services,
            extra_routes=functools.partial(worker.include_routes, twilio=unsigned is None),
            sessions_redis_url=worker.settings.redis_url,
        )
        await server.start()
    except (DashboardConfigError, OSError) as error:
        await services.close()
        raise click.ClickException(str(error)) from None
    except BaseException:
        await services.close()
        raise
    login = f" (log in as demo / {password})" if password else ""
    click.echo(f"callmon dashboard: {server.url}{login}")
    return server, services


async def _demo_calls(worker: IngestWorker, concurrency: int, speed: float) -> None:
    target = Target(
        "127.0.0.1",
        worker.audiosocket_port,
        worker.http_port,
        auth_token=worker.settings.twilio_auth_token,
        public_url=worker.settings.public_url,
    )
    await run_simulation(target, bundled_scripts(), calls=None, concurrency=concurrency, speed=speed)
