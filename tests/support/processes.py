"""Real `callmon` processes for end-to-end tests, each logging to its own file, and
a registry that ends every one of them however the test ends (no orphans).

Output goes to a file rather than a pipe: nobody has to keep reading it for the
process to go on, and a failing test can show it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STOP_GRACE_S = 20.0


def callmon_env(settings: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without any callmon setting, plus `settings`: each
    process gets only what the test gives it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CALLMON_", "RESEND_", "REDIS_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"  # the log file shows lines as they are written
    env["CALLMON_CONFIG"] = ""
    env.update(settings)
    return env


class CallmonProcess:
    """One `python -m app.cli ARGS...` process."""

    def __init__(self, name: str, args: list[str], env: Mapping[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", *args],
                cwd=ROOT,
                env=dict(env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def check_alive(self) -> None:
        """Raise with the process's log if it exited: a wait on it would never end."""
        if not self.alive():
            raise AssertionError(f"{self.name} exited ({self.process.returncode}):\n{self.log()[-4000:]}")

    def search_log(self, pattern: str) -> re.Match[str] | None:
        self.check_alive()
        return re.search(pattern, self.log())

    def kill(self) -> None:
        """kill -9, and reap it."""
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """SIGTERM as systemd would; SIGKILL if it does not exit in time."""
        if not self.alive():
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self.kill()


class ProcessGroup:
    """Every process a test started, stopped together at the end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[CallmonProcess] = []

    def start(self, name: str, args: list[str], env: Mapping[str, str]) -> CallmonProcess:
        process = CallmonProcess(name, args, env, self.log_dir / f"{name}.log")
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        # SIGTERM to all first, so they shut down side by side, then wait for each.
        for process in self.started:
            if process.alive():
                process.process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def process_group(log_dir: Path) -> Iterator[ProcessGroup]:
    group = ProcessGroup(log_dir)
    try:
        yield group
    finally:
        group.stop_all()
