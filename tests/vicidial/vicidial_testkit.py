"""Test kit for the ViciDial tests: a real MariaDB server, a recording update_call, a bounded wait.

`MariaDB` runs one mariadbd on 127.0.0.1 over its own data directory. The
session builds one template data directory (mariadb-install-db, the ViciDial
DDL and rows, a read-only `callmon` user) and shuts it down cleanly; every
server is a copy of it, so a test that kills or stops its server never
disturbs another. Works as root in a bare container: no systemd, and no
/etc/mysql configuration is read (`--defaults-file` is our own).
"""

from __future__ import annotations

import asyncio
import getpass
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pymysql
import pytest

from vicidial import ViciDialSettings

HERE = Path(__file__).parent
DATABASE = "asterisk"
READ_ONLY_USER = "callmon"
READ_ONLY_PASSWORD = "callmon-test-pw"
STARTUP_DEADLINE_S = 60.0
HANG_GUARD_S = 60.0
# After hang-up the enricher waits for wrap-up and the audio cron: minutes in
# production, about a second in tests.
SHORT_FOLLOW_UP: dict[str, float] = {
    "wrapup_window_s": 1.0,
    "recording_window_s": 1.0,
    "max_follow_delay_s": 0.1,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/usr/local/sbin")
        if found:
            return found
    raise RuntimeError(f"none of {names} found: install the Debian package mariadb-server")


class MariaDB:
    """One mariadbd on 127.0.0.1:`port` over its own data directory."""

    def __init__(self, datadir: Path, port: int) -> None:
        self.datadir = datadir
        self.port = port
        self.run_dir = datadir.parent
        self.socket = self.run_dir / "mysqld.sock"
        self.defaults_file = self.run_dir / "my.cnf"
        self.error_log = self.run_dir / "error.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.defaults_file.write_text(
            "[mariadbd]\n"
            f"user = {getpass.getuser()}\n"
            f"datadir = {datadir}\n"
            f"socket = {self.socket}\n"
            f"pid-file = {self.run_dir / 'mysqld.pid'}\n"
            f"log-error = {self.error_log}\n"
            "bind-address = 127.0.0.1\n"
            "skip-name-resolve\n"
            "skip-log-bin\n"
            "innodb-buffer-pool-size = 16M\n"
            "innodb-log-file-size = 8M\n"
            "max-connections = 50\n"
        )

    def start(self) -> None:
        command = [
            _binary("mariadbd", "mysqld"),
            f"--defaults-file={self.defaults_file}",
            f"--port={self.port}",
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + STARTUP_DEADLINE_S
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mariadbd exited with {self.process.returncode}:\n{self._log_tail()}")
            try:
                self.admin(database=None).close()
                return
            except pymysql.err.OperationalError as error:
                last_error = error
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(
            f"mariadbd did not accept connections in {STARTUP_DEADLINE_S:g} s ({last_error}):\n{self._log_tail()}"
        )

    def stop(self) -> None:
        """Clean shutdown (SIGTERM), as an operator restarting the database would."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """Crash (SIGKILL): connections die without a goodbye."""
        self._end(signal.SIGKILL)

    def admin(self, database: str | None = DATABASE) -> pymysql.connections.Connection:
        """A root connection over the Unix socket, for setting up and sabotaging."""
        return pymysql.connect(
            unix_socket=str(self.socket), user="root", password="", database=database, autocommit=True
        )

    def run_script(self, script: Path) -> None:
        """Run an SQL script with the mariadb client, as an operator would."""
        client = _binary("mariadb", "mysql")
        with script.open("rb") as source:
            result = subprocess.run(
                [client, "--no-defaults", "--user=root", f"--socket={self.socket}", DATABASE],
                stdin=source,
                capture_output=True,
            )
        if result.returncode != 0:
            raise RuntimeError(f"{script.name} failed: {result.stderr.decode(errors='replace')}")

    def settings(self, **overrides: Any) -> ViciDialSettings:
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "user": READ_ONLY_USER,
            "password": READ_ONLY_PASSWORD,
            "database": DATABASE,
            "connect_timeout": 5.0,
            "query_timeout": 5.0,
            "recordings_url": "http://recordings.test/RECORDINGS/MP3",
        }
        values.update(overrides)
        return ViciDialSettings(**values)

    def _end(self, sig: signal.Signals) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        self.process.wait(timeout=STARTUP_DEADLINE_S)
        self.process = None

    def _log_tail(self) -> str:
        if not self.error_log.exists():
            return "(no error log)"
        return "\n".join(self.error_log.read_text(errors="replace").splitlines()[-20:])


def build_template(root: Path) -> Path:
    """Install a data directory, load ViciDial's tables and rows, add the read-only user."""
    datadir = root / "data"
    server = MariaDB(datadir, free_port())
    install = subprocess.run(
        [
            _binary("mariadb-install-db", "mysql_install_db"),
            f"--defaults-file={server.defaults_file}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        capture_output=True,
    )
    if install.returncode != 0:
        raise RuntimeError(
            f"mariadb-install-db failed:\n{install.stdout.decode()}\n{install.stderr.decode()}"
        )
    server.start()
    try:
        connection = server.admin(database=None)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM mysql.global_priv WHERE User = ''")  # anonymous users
            cursor.execute("FLUSH PRIVILEGES")
            # As ViciDial's installer creates it.
            cursor.execute(f"CREATE DATABASE {DATABASE} DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci")
            cursor.execute(f"CREATE USER '{READ_ONLY_USER}'@'%' IDENTIFIED BY '{READ_ONLY_PASSWORD}'")
            cursor.execute(f"GRANT SELECT ON {DATABASE}.* TO '{READ_ONLY_USER}'@'%'")
        connection.close()
        for script in ("vicidial_schema.sql", "vicidial_rows.sql"):
            server.run_script(HERE / script)
    finally:
        server.stop()
    return datadir


class RecordedUpdates:
    """Stands in for `CallStore.update_call`: keeps every update it is given."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, dict[str, Any]]] = []

    async def __call__(self, call_id: str, fields: Mapping[str, Any]) -> None:
        self.updates.append((call_id, dict(fields)))

    def for_call(self, call_id: str) -> list[dict[str, Any]]:
        return [fields for updated, fields in self.updates if updated == call_id]

    def last(self, call_id: str) -> dict[str, Any] | None:
        updates = self.for_call(call_id)
        return updates[-1] if updates else None


async def eventually(condition: Callable[[], bool], what: str) -> None:
    """Wait until `condition()` holds (a guard against hangs, not a timing check)."""
    deadline = asyncio.get_running_loop().time() + HANG_GUARD_S
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.02)


def vicidial_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name.startswith("vicidial") and r.levelname == "WARNING"
    ]
