"""Real servers on 127.0.0.1 for tests: Redis and MariaDB, on free ports.

Every server binds a port the kernel just handed out and keeps its files in
its own directory, so parallel test processes (pytest-xdist) never collide.
Neither reads system configuration, and neither needs systemd or root.
"""

from __future__ import annotations

import getpass
import shutil
import signal
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pymysql

from tests.support.waiting import wait_until_sync

STARTUP_DEADLINE_S = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def find_binary(*names: str, package: str) -> str:
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/usr/local/sbin")
        if found:
            return found
    raise RuntimeError(f"none of {names} found: install the Debian package {package}")


class RedisServer:
    """A throwaway redis-server that tests can kill and restart on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = process = subprocess.Popen(
            [
                find_binary("redis-server", package="redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )

        def ready() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} exited with {process.returncode}")
            return self.answers_ping()

        wait_until_sync(ready, timeout=STARTUP_DEADLINE_S, message=f"redis-server on port {self.port}")

    def flush(self) -> None:
        """Forget every key, so a server shared by several tests starts each one empty."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"FLUSHALL\r\n")
            if not sock.recv(16).startswith(b"+OK"):
                raise RuntimeError("redis-server refused FLUSHALL")

    def kill(self) -> None:
        """Crash it (SIGKILL): clients lose their connections without a goodbye."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class MariaDBServer:
    """One mariadbd on 127.0.0.1:`port` over its own data directory.

    `--defaults-file` is our own, so no /etc/mysql configuration is read; it
    runs as the current user (root in a bare container works too).
    """

    def __init__(self, datadir: Path, port: int | None = None) -> None:
        self.datadir = datadir
        self.port = port if port is not None else free_port()
        self.run_dir = datadir.parent
        self.socket = self.run_dir / "mysqld.sock"
        self.defaults_file = self.run_dir / "my.cnf"
        self.error_log = self.run_dir / "error.log"
        self.process: subprocess.Popen[bytes] | None = None
        # A temporary directory of its own: servers bootstrapping at the same time
        # (parallel test workers) otherwise collide on temporary tables in /tmp.
        self.tmp_dir = self.run_dir / "tmp"
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.defaults_file.write_text(
            "[mariadbd]\n"
            f"user = {getpass.getuser()}\n"
            f"datadir = {datadir}\n"
            f"socket = {self.socket}\n"
            f"pid-file = {self.run_dir / 'mysqld.pid'}\n"
            f"log-error = {self.error_log}\n"
            f"tmpdir = {self.tmp_dir}\n"
            "bind-address = 127.0.0.1\n"
            "skip-name-resolve\n"
            "skip-log-bin\n"
            "innodb-buffer-pool-size = 16M\n"
            "innodb-log-file-size = 8M\n"
            "max-connections = 50\n"
        )

    def install(self) -> None:
        """Create an empty data directory (system tables, root without a password)."""
        install = subprocess.run(
            [
                find_binary("mariadb-install-db", "mysql_install_db", package="mariadb-server"),
                f"--defaults-file={self.defaults_file}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            capture_output=True,
        )
        if install.returncode != 0:
            raise RuntimeError(
                f"mariadb-install-db failed:\n{install.stdout.decode()}\n{install.stderr.decode()}"
            )

    def start(self) -> None:
        command = [
            find_binary("mariadbd", "mysqld", package="mariadb-server"),
            f"--defaults-file={self.defaults_file}",
            f"--port={self.port}",
        ]
        self.process = process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

        def accepts_connections() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"mariadbd exited with {process.returncode}:\n{self.log_tail()}")
            try:
                self.admin(database=None).close()
            except pymysql.err.OperationalError:
                return False
            return True

        try:
            wait_until_sync(
                accepts_connections,
                timeout=STARTUP_DEADLINE_S,
                interval=0.1,
                message="mariadbd to accept connections",
            )
        except AssertionError as error:
            self.kill()
            raise RuntimeError(f"{error}:\n{self.log_tail()}") from None

    def stop(self) -> None:
        """Clean shutdown (SIGTERM), as an operator restarting the database would."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """Crash (SIGKILL): connections die without a goodbye."""
        self._end(signal.SIGKILL)

    def admin(self, database: str | None = None) -> pymysql.connections.Connection:
        """A root connection over the Unix socket, for setting up and sabotaging."""
        return pymysql.connect(
            unix_socket=str(self.socket), user="root", password="", database=database, autocommit=True
        )

    def run_script(self, script: Path, database: str) -> None:
        """Run an SQL script with the mariadb client, as an operator would."""
        client = find_binary("mariadb", "mysql", package="mariadb-client")
        with script.open("rb") as source:
            result = subprocess.run(
                [client, "--no-defaults", "--user=root", f"--socket={self.socket}", database],
                stdin=source,
                capture_output=True,
            )
        if result.returncode != 0:
            raise RuntimeError(f"{script.name} failed: {result.stderr.decode(errors='replace')}")

    def log_tail(self) -> str:
        if not self.error_log.exists():
            return "(no error log)"
        return "\n".join(self.error_log.read_text(errors="replace").splitlines()[-20:])

    def _end(self, sig: signal.Signals) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        self.process.wait(timeout=STARTUP_DEADLINE_S)
        self.process = None


def build_mariadb_template(datadir: Path, prepare: Callable[[MariaDBServer], None]) -> Path:
    """Install a data directory, let `prepare` load it, shut it down cleanly.

    Tests copy the result (shutil.copytree) for each server they need, so a
    test that kills its server never disturbs another.
    """
    server = MariaDBServer(datadir)
    server.install()
    server.start()
    try:
        prepare(server)
    finally:
        server.stop()
    return datadir


def server_from_template(template: Path, root: Path) -> MariaDBServer:
    """A server (not started) over a fresh copy of `template`."""
    shutil.copytree(template, root / "data")
    return MariaDBServer(root / "data")
