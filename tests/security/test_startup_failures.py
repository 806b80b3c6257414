"""`callmon ingest` on a busy port: one clear line, a non-zero exit, nothing left running."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def run_ingest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "CALLMON_HTTP_HOST": "127.0.0.1"}
    env["CALLMON_AUDIOSOCKET_HOST"] = "127.0.0.1"
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from app.cli import main; main()",
            "ingest",
            "--db",
            str(tmp_path / "c.db"),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,  # a hung start-up would otherwise never end: that is the failure
        env=env,
        cwd=tmp_path,
    )


@pytest.mark.parametrize("busy", ["--audiosocket-port", "--http-port"])
def test_a_busy_port_exits_non_zero_with_one_clear_line(tmp_path: Path, busy: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        other = "--http-port" if busy == "--audiosocket-port" else "--audiosocket-port"
        result = run_ingest(tmp_path, busy, str(port), other, "0")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "cannot start the worker" in errors[0] and str(port) in errors[0], (
        result.stderr
    )


def test_files_callmon_creates_are_private(tmp_path: Path) -> None:
    # A real `callmon ingest` process creates its database; stopped with SIGTERM once it exists.
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "CALLMON_HTTP_HOST": "127.0.0.1"}
    env["CALLMON_AUDIOSOCKET_HOST"] = "127.0.0.1"
    db = tmp_path / "data" / "callmon.db"
    old_umask = os.umask(0o022)  # the usual default: files world-readable unless callmon says otherwise
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", "from app.cli import main; main()", "ingest", "--db", str(db),
             "--audiosocket-port", "0", "--http-port", "0"],
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    finally:
        os.umask(old_umask)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the "AudioSocket on port ..." line: started
        assert "callmon ingest" in line, line + (process.stderr.read() if process.stderr else "")
    finally:
        process.terminate()
        process.wait(timeout=60)
    created = [db, *db.parent.glob("*")]
    assert created and all(path.stat().st_mode & 0o077 == 0 for path in created), [
        (path.name, oct(path.stat().st_mode)) for path in created
    ]
