"""Fixtures for the AudioSocket adapter: a collecting sink, servers, a dialer, speech."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from audiosocket_helpers import CollectingSink

from ingest.adapters.audiosocket import AudioSocketServer
from simulator.audiosocket_dialer import AudioSocketDialer


@pytest.fixture
def sink() -> CollectingSink:
    return CollectingSink()


StartServer = Callable[..., Awaitable[AudioSocketServer]]


@pytest.fixture
async def start_server(sink: CollectingSink) -> AsyncIterator[StartServer]:
    """Start an AudioSocketServer on 127.0.0.1, a free port; stopped after the test."""
    servers: list[AudioSocketServer] = []

    async def start(**options: float) -> AudioSocketServer:
        server = AudioSocketServer(sink, "127.0.0.1", 0, **options)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
async def server(start_server: StartServer) -> AudioSocketServer:
    return await start_server()


@pytest.fixture
async def dial(
    server: AudioSocketServer,
) -> AsyncIterator[Callable[..., Awaitable[AudioSocketDialer]]]:
    """Connect dialers to `server`; all closed after the test."""
    dialers: list[AudioSocketDialer] = []

    async def connect(uuid: object) -> AudioSocketDialer:
        dialer = AudioSocketDialer()
        await dialer.connect("127.0.0.1", server.port, uuid)  # type: ignore[arg-type]
        dialers.append(dialer)
        return dialer

    yield connect
    for dialer in dialers:
        await dialer.close()


@pytest.fixture(scope="session")
def hello_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real speech: flite's rms voice saying a short sentence."""
    if shutil.which("flite") is None or shutil.which("sox") is None:
        pytest.fail("flite and sox are needed for the speech tests (Debian packages)")
    wav = tmp_path_factory.mktemp("speech") / "hello.wav"
    subprocess.run(
        ["flite", "-voice", "rms", "-t", "hello, I want to cancel my account", "-o", str(wav)],
        check=True,
    )
    return wav
