"""A real PostgreSQL server for tests, from Debian's ``postgresql`` package.

One cluster per test session (under pytest-xdist: per worker process) in a
temporary directory, on a free port of 127.0.0.1, with trust authentication
and durability switched off (tests never survive a power cut). Each test gets
a fresh database created from ``template1``, which is fast.

PostgreSQL refuses to run as root; CI runs as root, so there the cluster is
owned by the ``postgres`` system user and every server command runs through
``runuser -u postgres``.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

from tests.support.servers import STARTUP_DEADLINE_S, free_port

SUPERUSER = "callmon"


def postgres_bin_dir() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with initdb in it."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name)
    )
    if not found:
        raise RuntimeError(
            "PostgreSQL's server binaries are not installed: install the Debian package postgresql "
            "(deploy/install-system-packages.sh)"
        )
    return Path(found[-1]).parent


class PostgresServer:
    """A throwaway PostgreSQL cluster; `create_database()` hands out fresh databases."""

    def __init__(self) -> None:
        self.port = free_port()
        self.bin_dir = postgres_bin_dir()
        # Not under pytest's temporary directory: that one is private to the
        # current user, and as root the server runs as `postgres`.
        self.root = Path(tempfile.mkdtemp(prefix="callmon-pg-"))
        self.datadir = self.root / "data"
        self.log_file = self.root / "server.log"
        self._run_as = self._server_user()
        self._counter = itertools.count(1)

    @property
    def admin_dsn(self) -> str:
        return self.dsn("postgres")

    def dsn(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        if self._run_as is not None:
            user = pwd.getpwnam(self._run_as)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._server_command(
            "initdb",
            "-D",
            str(self.datadir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self.start_server()

    def start_server(self) -> None:
        """Start the initialised cluster (again, after `stop_server`)."""
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.root}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
                "-c shared_buffers=32MB",
            ]
        )
        self._server_command(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            str(int(STARTUP_DEADLINE_S)),
            "-D",
            str(self.datadir),
            "-l",
            str(self.log_file),
            "-o",
            options,
        )

    def stop_server(self, mode: str = "fast") -> None:
        """Stop the server, keeping its data: `fast` ends every session as an
        administrator's shutdown does (what a restart or failover looks like to clients)."""
        self._server_command("pg_ctl", "stop", "-w", "-m", mode, "-D", str(self.datadir))

    def stop(self) -> None:
        if self.datadir.exists():
            self._server_command("pg_ctl", "stop", "-m", "immediate", "-D", str(self.datadir), check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self) -> str:
        """A new empty database; returns its DSN."""
        name = f"test_{os.getpid()}_{next(self._counter)}"
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template1')
        return self.dsn(name)

    def drop_database(self, dsn: str) -> None:
        name = dsn.rsplit("/", 1)[1]
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def log_tail(self) -> str:
        if not self.log_file.exists():
            return "(no server log)"
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-20:])

    def _server_user(self) -> str | None:
        if os.geteuid() != 0:
            return None
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError(
                "running as root needs the postgres system user (Debian package postgresql)"
            ) from None
        return "postgres"

    def _server_command(self, program: str, *args: str, check: bool = True) -> None:
        command = [str(self.bin_dir / program), *args]
        if self._run_as is not None:
            command = ["runuser", "-u", self._run_as, "--", *command]
        result = subprocess.run(command, capture_output=True, cwd=self.root)
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({result.returncode}):\n{result.stdout.decode(errors='replace')}"
                f"\n{result.stderr.decode(errors='replace')}\n{self.log_tail()}"
            )


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A started cluster, stopped and removed afterwards."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()
