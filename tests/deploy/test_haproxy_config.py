"""deploy/haproxy/callmon-audiosocket.cfg: `haproxy -c` accepts it, and a real
HAProxy running it spreads AudioSocket calls over two real workers (fewest
calls first) and stops sending calls to a worker whose health check fails."""

from __future__ import annotations

import asyncio
import csv
import re
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.worker import IngestWorker
from ingest.events import Recognition
from ingest.settings import IngestSettings
from simulator.audiosocket_dialer import AudioSocketDialer
from tests.deploy.conftest import DEPLOY, WAIT_LIMIT, free_port, require_tool

CONFIG = DEPLOY / "haproxy" / "callmon-audiosocket.cfg"


def check(haproxy: str, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True, timeout=60)


def test_haproxy_accepts_the_configuration() -> None:
    done = check(require_tool("haproxy", "haproxy"), CONFIG)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Configuration file is valid" in done.stdout + done.stderr


def test_haproxy_check_rejects_a_broken_copy(tmp_path: Path) -> None:
    """The check above can fail: the same command refuses an unknown algorithm."""
    broken = tmp_path / "broken.cfg"
    broken.write_text(CONFIG.read_text().replace("balance leastconn", "balance fewestcalls"))
    done = check(require_tool("haproxy", "haproxy"), broken)
    assert done.returncode != 0 and "balance only supports" in done.stdout + done.stderr


def test_configuration_is_tcp_leastconn_with_long_timeouts() -> None:
    config = re.sub(r"#[^\n]*", "", CONFIG.read_text())
    for line in ("mode tcp", "balance leastconn", "timeout client 1h", "timeout server 1h",
                 "option httpchk GET /healthz", "option redispatch", "bind :9093"):  # fmt: skip
        assert re.search(rf"^\s*{re.escape(line)}\s*$", config, re.MULTILINE), line
    servers = re.findall(r"^\s*server\s+(\S+)\s+(\S+)\s+port\s+(\d+)", config, re.MULTILINE)
    assert len(servers) >= 2 and "check" in config


class SilentEngine:
    """Speech-to-text is not what this test is about; any engine will do."""

    name = "silent"

    def recognize(self, pcm16k: bytes, language: str | None = None) -> Recognition:
        return Recognition(text="", confidence=0.0)


async def start_worker(folder: Path) -> IngestWorker:
    settings = IngestSettings(
        db_path=folder / "callmon.db",
        audiosocket_host="127.0.0.1",
        audiosocket_port=0,
        http_host="127.0.0.1",
        http_port=0,
    )
    worker = IngestWorker(settings, alerts_enabled=False, engine=SilentEngine())
    await worker.start()
    return worker


async def server_states(stats_socket: Path) -> dict[str, str]:
    """Backend server name -> status (UP, DOWN, ...), from HAProxy's stats socket."""
    reader, writer = await asyncio.open_unix_connection(str(stats_socket))
    writer.write(b"show stat\n")
    await writer.drain()
    data = (await reader.read()).decode()
    writer.close()
    rows = csv.DictReader(data.lstrip("# ").splitlines())
    return {row["svname"]: row["status"] for row in rows if row["pxname"] == "callmon_ingest"}


async def wait_for_states(
    stats_socket: Path, wanted: dict[str, str], haproxy: asyncio.subprocess.Process
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_LIMIT
    while True:
        if haproxy.returncode is not None:
            assert haproxy.stderr is not None
            raise AssertionError(f"haproxy exited: {(await haproxy.stderr.read()).decode()}")
        try:
            states = await server_states(stats_socket)
        except OSError:
            states = {}
        if all(states.get(name, "").startswith(state) for name, state in wanted.items()):
            return
        assert loop.time() < deadline, f"servers are {states}, expected {wanted}"
        await asyncio.sleep(0.05)


@pytest.fixture
async def workers(tmp_path: Path) -> AsyncIterator[list[IngestWorker]]:
    for number in (1, 2):
        (tmp_path / f"worker-{number}").mkdir()
    running = [await start_worker(tmp_path / "worker-1"), await start_worker(tmp_path / "worker-2")]
    yield running
    for worker in running:
        await worker.stop()


async def test_calls_spread_over_workers_and_avoid_a_dead_one(
    workers: list[IngestWorker], tmp_path: Path
) -> None:
    haproxy = require_tool("haproxy", "haproxy")
    port, stats = free_port(), tmp_path / "haproxy.sock"
    config = CONFIG.read_text()
    # Run unprivileged-style: no user switch, no syslog, and a connection limit
    # that fits a test machine's file-descriptor limit.
    config = re.sub(r"^\s*(user|group|log /dev/log)\b.*$", "", config, flags=re.MULTILINE)
    config = re.sub(r"maxconn \d{4,}", "maxconn 500", config)
    config = re.sub(r"stats socket \S+", f"stats socket {stats}", config)
    config = config.replace("bind :9093", f"bind 127.0.0.1:{port}").replace("inter 2s", "inter 100ms")
    config = re.sub(r"bind 127\.0\.0\.1:8404", f"bind 127.0.0.1:{free_port()}", config)
    for number, worker in enumerate(workers, 1):
        config = re.sub(
            rf"(server ingest-{number}) \S+ port \d+",
            rf"\1 127.0.0.1:{worker.audiosocket_port} port {worker.http_port}",
            config,
        )
    (tmp_path / "haproxy.cfg").write_text(config)
    process = await asyncio.create_subprocess_exec(
        haproxy, "-db", "-f", str(tmp_path / "haproxy.cfg"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    dialers: list[AudioSocketDialer] = []

    async def dial() -> str:
        call_id = str(uuid.uuid4())
        dialer = AudioSocketDialer()
        await dialer.connect("127.0.0.1", port, call_id)
        dialers.append(dialer)
        return call_id

    async def owner(call_id: str) -> int:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_LIMIT
        while loop.time() < deadline:
            for number, worker in enumerate(workers, 1):
                if await worker.store.get_call(call_id) is not None:
                    return number
            await asyncio.sleep(0.05)
        raise AssertionError(f"call {call_id} reached no worker")

    try:
        await wait_for_states(stats, {"ingest-1": "UP", "ingest-2": "UP"}, process)
        first = [await owner(await dial()) for _ in range(2)]
        assert sorted(first) == [1, 2]  # leastconn: the second call goes to the idle worker

        await workers.pop(1).stop()  # its ports close; the fixture stops the other
        await wait_for_states(stats, {"ingest-1": "UP", "ingest-2": "DOWN"}, process)
        after = [await owner(await dial()) for _ in range(2)]
        assert after == [1, 1]
    finally:
        for dialer in dialers:
            await dialer.close()
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.communicate(), WAIT_LIMIT)
