"""Abuse of the wire: oversized metadata and messages, metadata naming files,
AudioSocket connections from elsewhere, floods of idle connections."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

from ingest.adapters.audiosocket import AudioSocketServer
from ingest.adapters.audiosocket_access import address_allowed, parse_networks
from ingest.adapters.audiosocket_frames import FrameKind
from ingest.events import AudioReceived, CallEnded, CallEvent
from ingest.settings import IngestSettings, SettingsError
from simulator.audiosocket_dialer import AudioSocketDialer
from simulator.twilio_dialer import TwilioStreamDialer
from tests.security.conftest import WAIT_S, StartWorker, until

POLICY_VIOLATION = 1008
MESSAGE_TOO_BIG = 1009


class Collecting:
    def __init__(self) -> None:
        self.events: list[CallEvent] = []

    def submit(self, event: CallEvent) -> None:
        self.events.append(event)


@pytest.mark.parametrize(
    "custom",
    [
        {f"k{i}": "v" for i in range(33)},
        {"big": "x" * 1025},
        {"k" * 65: "v"},
        {f"k{i}": "x" * 1000 for i in range(9)},
    ],
    ids=["too-many-keys", "long-value", "long-key", "too-much-in-total"],
)
async def test_oversized_start_metadata_is_refused(start_worker: StartWorker, custom: dict[str, str]) -> None:
    worker = await start_worker()
    dialer = TwilioStreamDialer()
    await dialer.connect(
        f"ws://127.0.0.1:{worker.http_port}/twilio/media", call_sid="CAbig", custom_parameters=custom
    )
    assert await asyncio.wait_for(dialer.wait_closed(), WAIT_S) == POLICY_VIOLATION
    assert await worker.store.get_call("CAbig") is None


async def test_a_message_over_the_limit_closes_the_stream(start_worker: StartWorker) -> None:
    worker = await start_worker()
    dialer = TwilioStreamDialer()
    await dialer.connect(f"ws://127.0.0.1:{worker.http_port}/twilio/media", call_sid="CAflood")
    await dialer.send_raw('{"event": "mark", "mark": {"name": "' + "x" * 200_000 + '"}}')
    assert await asyncio.wait_for(dialer.wait_closed(), WAIT_S) == MESSAGE_TOO_BIG


async def test_metadata_from_the_wire_never_names_a_recording(start_worker: StartWorker) -> None:
    worker = await start_worker()
    dialer = TwilioStreamDialer()
    await dialer.connect(
        f"ws://127.0.0.1:{worker.http_port}/twilio/media",
        call_sid="CAfile",
        custom_parameters={
            "recording_path": "/etc/passwd",
            "recording_url": "https://evil.example/x",
            "team": "b",
        },
    )

    async def stored() -> object:
        return await worker.store.get_call("CAfile")

    summary = await until(stored, "the call to be stored")
    metadata = summary.metadata or {}  # type: ignore[attr-defined]
    assert metadata.get("team") == "b"
    assert "recording_path" not in metadata and "recording_url" not in metadata
    await dialer.stop()
    await dialer.close()


async def test_audiosocket_refuses_sources_outside_the_allow_list() -> None:
    sink = Collecting()
    server = AudioSocketServer(sink, "127.0.0.1", 0, allow="10.0.0.0/8,192.0.2.7")
    await server.start()
    try:
        dialer = AudioSocketDialer()
        await dialer.connect("127.0.0.1", server.port, uuid.uuid4())
        await asyncio.wait_for(dialer.closed_by_server.wait(), WAIT_S)
        await dialer.close()
        assert sink.events == [] and server.connections_refused == 1
    finally:
        await server.stop()


async def test_audiosocket_connection_limit() -> None:
    sink = Collecting()
    server = AudioSocketServer(sink, "127.0.0.1", 0, max_connections=2)
    await server.start()
    dialers = [AudioSocketDialer() for _ in range(3)]
    try:
        for dialer in dialers[:2]:
            await dialer.connect("127.0.0.1", server.port, uuid.uuid4())
        await dialers[2].connect("127.0.0.1", server.port, uuid.uuid4())
        await asyncio.wait_for(dialers[2].closed_by_server.wait(), WAIT_S)
        assert server.connections_refused == 1
        assert not dialers[0].closed_by_server.is_set() and not dialers[1].closed_by_server.is_set()
    finally:
        for dialer in dialers:
            await dialer.close()
        await server.stop()


async def test_no_keepalive_before_the_uuid_and_idle_connections_are_closed() -> None:
    server = AudioSocketServer(Collecting(), "127.0.0.1", 0, first_frame_timeout=0.5)
    await server.start()
    idle, named = AudioSocketDialer(), AudioSocketDialer()
    try:
        await idle.connect("127.0.0.1", server.port, None)
        await named.connect("127.0.0.1", server.port, uuid.uuid4())
        await named.wait_received(FrameKind.SLIN_8K, 5)  # a call gets keep-alives...
        await asyncio.wait_for(idle.closed_by_server.wait(), WAIT_S)
        assert sum(idle.received.values()) == 0  # ...a connection without a UUID gets none
    finally:
        await idle.close()
        await named.close()
        await server.stop()


async def test_empty_and_64k_audio_frames_keep_the_call() -> None:
    sink = Collecting()
    server = AudioSocketServer(sink, "127.0.0.1", 0)
    await server.start()
    call = uuid.uuid4()
    dialer = AudioSocketDialer()
    try:
        await dialer.connect("127.0.0.1", server.port, call)
        await dialer.send_frame(FrameKind.SLIN_8K, b"")
        await dialer.send_frame(FrameKind.SLIN_8K, bytes(0xFFFE))
        await dialer.hangup()

        async def ended() -> bool:
            return any(isinstance(e, CallEnded) for e in sink.events)

        await until(ended, "the call to end")
        audio = [e for e in sink.events if isinstance(e, AudioReceived)]
        assert [len(e.pcm) for e in audio] == [0xFFFE]
        assert [e.reason for e in sink.events if isinstance(e, CallEnded)] == ["hangup"]
    finally:
        await dialer.close()
        await server.stop()


async def test_start_up_says_how_to_allow_the_asterisk_hosts(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ingest.adapters.audiosocket")
    server = AudioSocketServer(Collecting(), "0.0.0.0", 0)
    await server.start()
    await server.stop()
    [record] = [r for r in caplog.records if "CALLMON_AUDIOSOCKET_ALLOW" in r.getMessage()]
    assert record.levelno == logging.WARNING and "127.0.0.0/8, ::1/128 only" in record.getMessage()


def test_allow_list_matching() -> None:
    networks = parse_networks("10.0.0.0/8, 192.0.2.7 ,2001:db8::/32")
    assert address_allowed("10.1.2.3", networks) and address_allowed("192.0.2.7", networks)
    assert address_allowed("::ffff:10.1.2.3", networks)  # IPv4 peer on a dual-stack socket
    assert address_allowed("2001:db8::5", networks)
    assert not address_allowed("192.0.2.8", networks) and not address_allowed("127.0.0.1", networks)
    assert not address_allowed("not-an-address", networks)
    with pytest.raises(SettingsError, match="CALLMON_AUDIOSOCKET_ALLOW"):
        IngestSettings(audiosocket_allow="10.0.0.0/33").validate()
