"""`callmon ingest --workers N`: N worker processes on one machine, one supervisor.

One event loop per process is what limits a worker, so N processes use N
cores. The workers share the AudioSocket and HTTP ports through SO_REUSEPORT
(the kernel spreads new connections over them by address hash), one database
and one Redis. Each has its own id (`<base>-<n>`, the same after a restart, so
a restarted worker takes back its own calls) and its own spool folder.

The supervisor only starts, restarts and stops: it restarts a worker that
exits on its own (after a pause that grows while it keeps dying at once) and
forwards SIGTERM/SIGINT to every worker, which finish their calls and exit.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click

from ingest.pipeline.fleet import default_worker_id
from ingest.settings import IngestSettings

log = logging.getLogger(__name__)

QUICK_DEATH_S = 10.0
"""A worker that dies sooner than this after its start is restarted after a growing pause."""
MAX_RESTART_PAUSE_S = 30.0


@dataclass
class WorkerProcess:
    number: int
    worker_id: str
    env: dict[str, str]
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    restarts: int = 0
    pause_s: float = field(default=0.5)


def worker_environment(settings: IngestSettings, worker_id: str, number: int) -> dict[str, str]:
    """The environment of worker `number`: this process's, plus the settings every
    worker must agree on (resolved once here, command-line options included)."""
    spool = settings.spool_dir or settings.db_path.parent / f"{settings.db_path.stem}.spool"
    env = {
        **os.environ,
        "CALLMON_DB_PATH": str(settings.db_path),
        "CALLMON_AUDIOSOCKET_PORT": str(settings.audiosocket_port),
        "CALLMON_HTTP_PORT": str(settings.http_port),
        "CALLMON_ASR": settings.asr,
        "REDIS_URL": settings.redis_url or "",
        "CALLMON_ALLOW_UNSIGNED_TWILIO": "true" if settings.allow_unsigned_twilio else "false",
        "CALLMON_WORKER_ID": worker_id,
        "CALLMON_REUSE_PORT": "true",
        "CALLMON_SPOOL_DIR": str(spool.with_name(f"{spool.name}-{number}")),
    }
    env.pop("CALLMON_REDIS_URL", None)  # REDIS_URL above is the one that counts
    env.pop("CALLMON_WORKERS", None)  # a worker is one process, not another supervisor
    return env


def check_fleet_settings(settings: IngestSettings, workers: int) -> None:
    if workers < 1:
        raise click.UsageError("--workers must be at least 1")
    if not settings.redis_url:
        raise click.UsageError(
            f"--workers {workers} needs Redis (REDIS_URL or --redis-url): the workers share "
            "live calls and watch each other's heartbeats there"
        )
    if settings.audiosocket_port == 0 or settings.http_port == 0:
        raise click.UsageError("--workers needs fixed ports (0 would give every worker its own)")


async def supervise(settings: IngestSettings, workers: int) -> None:
    base = settings.worker_id or default_worker_id(settings.audiosocket_port, settings.http_port)
    fleet = [
        WorkerProcess(n, f"{base}-{n}", worker_environment(settings, f"{base}-{n}", n))
        for n in range(1, workers + 1)
    ]
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    click.echo(
        f"callmon ingest: {workers} workers ({', '.join(w.worker_id for w in fleet)}) sharing "
        f"AudioSocket port {settings.audiosocket_port} and HTTP port {settings.http_port}; "
        f"supervisor pid {os.getpid()}. Ctrl-C stops."
    )
    keepers = [asyncio.ensure_future(_keep_running(worker, stopping)) for worker in fleet]
    await stopping.wait()
    click.echo("stopping: every worker finishes its calls in progress ...")
    for worker in fleet:
        _signal(worker, signal.SIGTERM)
    await asyncio.gather(*keepers)


async def _keep_running(worker: WorkerProcess, stopping: asyncio.Event) -> None:
    while not stopping.is_set():
        worker.started_at = time.monotonic()
        worker.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", "ingest", env=worker.env, cwd=Path.cwd()
        )
        code = await worker.process.wait()
        if stopping.is_set():
            return
        lived = time.monotonic() - worker.started_at
        worker.pause_s = min(worker.pause_s * 2, MAX_RESTART_PAUSE_S) if lived < QUICK_DEATH_S else 0.5
        worker.restarts += 1
        click.echo(
            f"worker {worker.worker_id} (pid {worker.process.pid}) exited with status {code} "
            f"after {lived:.0f} s; restarting it in {worker.pause_s:.1f} s",
            err=True,
        )
        # Pause before the restart, unless a stop comes first.
        waiter = asyncio.ensure_future(stopping.wait())
        await asyncio.wait([waiter], timeout=worker.pause_s)
        waiter.cancel()


def _signal(worker: WorkerProcess, sig: signal.Signals) -> None:
    process = worker.process
    if process is None or process.returncode is not None:
        return
    try:
        process.send_signal(sig)
    except ProcessLookupError:
        log.info("worker %s (pid %s) had already exited", worker.worker_id, process.pid)
