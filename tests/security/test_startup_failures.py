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
