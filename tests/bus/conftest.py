"""Fixtures for bus tests: a real redis-server per test, and both bus kinds."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from ingest.bus import Bus, MemoryBus, RedisBus
from ingest.events import TranscriptSegment


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throwaway redis-server on 127.0.0.1 that tests can kill and restart."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
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
        while not self._answers_ping():
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} exited with {self.process.returncode}")
            time.sleep(0.02)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def unstarted_redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    yield server
    server.kill()


BusFactory = Callable[..., Awaitable[Bus]]


@pytest.fixture(params=["memory", "redis"])
async def make_bus(request: pytest.FixtureRequest) -> AsyncIterator[BusFactory]:
    """Builds buses of one kind (both kinds via parametrisation); closes them after."""
    buses: list[Bus] = []
    server = request.getfixturevalue("redis_server") if request.param == "redis" else None

    async def build(**options: object) -> Bus:
        bus: Bus = RedisBus(server.url, **options) if server else MemoryBus(**options)  # type: ignore[arg-type]
        buses.append(bus)
        return bus

    yield build
    for bus in buses:
        await bus.close()


@pytest.fixture
def segment() -> Callable[..., TranscriptSegment]:
    def build(call_id: str = "c1", **fields: object) -> TranscriptSegment:
        values: dict[str, object] = {
            "call_id": call_id,
            "speaker": "caller",
            "start": 1.0,
            "end": 2.5,
            "text": "I want to cancel",
            "confidence": 0.8,
            "language": "en",
            "engine": "sphinx",
            "sentiment_score": -0.4,
            "sentiment_label": "negative",
            "keywords": ("cancel",),
            "rolling_sentiment": -0.2,
            "consecutive_negative": 1,
            "created_at": 1700000000.0,
            "id": 7,
        }
        values.update(fields)
        return TranscriptSegment(**values)  # type: ignore[arg-type]

    return build
