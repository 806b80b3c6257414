"""Secure default: the Twilio endpoints are never served unsigned beyond loopback
unless the operator says so explicitly (issue 13: anyone reaching the port could
start calls or feed audio into live ones)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from app.worker import IngestWorker
from ingest.settings import IngestSettings, SettingsError, is_loopback_host, unsigned_twilio_problem

PROJECT = Path(__file__).resolve().parents[2]


def _settings(tmp_path: Path, **values: object) -> IngestSettings:
    return IngestSettings(
        db_path=tmp_path / "c.db", audiosocket_host="127.0.0.1", audiosocket_port=0, http_port=0, **values
    )


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("::", False), ("192.0.2.7", False), ("example.org", False)],
)  # fmt: skip
def test_loopback_is_recognised(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_the_default_binds_loopback_so_a_fresh_install_is_closed() -> None:
    settings = IngestSettings()
    assert is_loopback_host(settings.http_host)
    assert unsigned_twilio_problem(settings, settings.http_host) is None


async def test_a_worker_refuses_unsigned_twilio_on_every_address(tmp_path: Path) -> None:
    worker = IngestWorker(_settings(tmp_path, http_host="0.0.0.0"), alerts_enabled=False)
    with pytest.raises(SettingsError, match="--allow-unsigned-twilio"):
        await worker.start()


@pytest.mark.parametrize("values", [{"twilio_auth_token": "secret-token"}, {"allow_unsigned_twilio": True}])
async def test_a_token_or_the_explicit_flag_lets_it_start(tmp_path: Path, values: dict[str, object]) -> None:
    async with IngestWorker(
        _settings(tmp_path, http_host="0.0.0.0", **values), alerts_enabled=False
    ) as worker:
        with socket.create_connection(("127.0.0.1", worker.http_port), timeout=5):
            pass


def test_the_cli_says_why_in_one_line_and_exits_non_zero(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "CALLMON_HTTP_HOST": "0.0.0.0"}
    env.pop("TWILIO_AUTH_TOKEN", None)
    env["CALLMON_AUDIOSOCKET_HOST"] = "127.0.0.1"
    command = [sys.executable, "-m", "app.cli", "ingest", "--db", str(tmp_path / "c.db"),
               "--audiosocket-port", "0", "--http-port", "0"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "TWILIO_AUTH_TOKEN" in errors[0], result.stderr
