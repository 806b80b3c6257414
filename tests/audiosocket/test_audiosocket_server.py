"""AudioSocketServer over real TCP on 127.0.0.1: the events a call produces."""

from __future__ import annotations

import asyncio
import socket
import uuid

import pytest
from audiosocket_helpers import WAIT_LIMIT, CollectingSink, summarize, wait_closed_by_server

from ingest.adapters.audiosocket import AudioSocketServer
from ingest.adapters.audiosocket_frames import FrameKind, encode_frame
from ingest.adapters.audiosocket_legs import leg_uuid
from ingest.events import AudioReceived, CallEnded, CallStarted, LegEnded
from simulator.audiosocket_dialer import AudioSocketDialer


def tone(index: int, samples: int = 160) -> bytes:
    """A distinct 20 ms frame per index, so reordering or corruption shows."""
    return bytes((index * 7 + i) % 256 for i in range(samples * 2))


async def test_a_mixed_call_produces_its_events_in_order(server, dial, sink: CollectingSink) -> None:
    assert server.port != 0
    call = uuid.uuid4()
    dialer = await dial(call)
    for index in range(3):
        await dialer.send_audio(tone(index))
    await dialer.send_dtmf("5")
    await dialer.send_audio(tone(3))
    await dialer.hangup()

    events = await sink.wait_call_ended(str(call))
    assert [summarize(e) for e in events] == [
        ("started", str(call), "audiosocket"),
        ("audio", "unknown", 320, 8000, 0 / 8000),
        ("audio", "unknown", 320, 8000, 160 / 8000),
        ("audio", "unknown", 320, 8000, 320 / 8000),
        ("dtmf", "unknown", "5", 480 / 8000),
        ("audio", "unknown", 320, 8000, 480 / 8000),
        ("leg-ended", "unknown", "hangup"),
        ("ended", "hangup"),
    ]
    assert [e.pcm for e in events if isinstance(e, AudioReceived)] == [tone(i) for i in range(4)]
    started = events[0]
    assert isinstance(started, CallStarted)
    assert dict(started.metadata) == {
        "peer": dialer.local_address,
        "uuid": str(call),
        "legs": "mixed",
    }
    await wait_closed_by_server(dialer)
    assert server.active_calls == []


async def test_closing_the_socket_without_hangup_ends_the_call_with_eof(dial, sink) -> None:
    call = uuid.uuid4()
    dialer = await dial(call)
    await dialer.send_audio(tone(0) * 3)
    await dialer.end_stream()
    events = await sink.wait_call_ended(str(call))
    assert [summarize(e) for e in events[-2:]] == [
        ("leg-ended", "unknown", "eof"),
        ("ended", "eof"),
    ]
    assert len([e for e in events if isinstance(e, AudioReceived)]) == 3


@pytest.mark.parametrize(
    ("code", "description", "reason"),
    [
        (1, "the caller hung up", "error:hangup"),
        (2, "Asterisk failed to forward a frame", "error:frame-forwarding"),
        (4, "Asterisk ran out of memory", "error:memory"),
        (0, "no error code", "error:none"),
        (None, "no error code", "error:none"),
    ],
)
async def test_an_asterisk_error_is_reported_and_ends_the_leg(
    dial, sink, code: int | None, description: str, reason: str
) -> None:
    call = uuid.uuid4()
    dialer = await dial(call)
    await dialer.send_audio(tone(0))
    await dialer.send_error(code)
    events = await sink.wait_call_ended(str(call))
    assert [summarize(e) for e in events[2:]] == [
        ("error", code, description),
        ("leg-ended", "unknown", reason),
        ("ended", reason),
    ]
    await wait_closed_by_server(dialer)


async def test_split_legs_are_one_call_with_two_speakers(dial, sink: CollectingSink) -> None:
    call = uuid.uuid4()
    agent = await dial(leg_uuid(call, "agent"))
    await agent.send_audio(tone(1) * 2)
    caller = await dial(leg_uuid(call, "caller"))
    await caller.send_audio(tone(2))
    await agent.hangup()
    await sink.wait_for(lambda events: any(isinstance(e, LegEnded) for e in events))
    await caller.send_dtmf("#")
    await caller.send_audio(tone(3))
    await caller.end_stream()

    events = await sink.wait_call_ended(str(call))
    by_speaker = {
        speaker: [summarize(e) for e in events if getattr(e, "speaker", None) == speaker]
        for speaker in ("agent", "caller")
    }
    assert by_speaker == {
        "agent": [
            ("audio", "agent", 320, 8000, 0.0),
            ("audio", "agent", 320, 8000, 160 / 8000),
            ("leg-ended", "agent", "hangup"),
        ],
        "caller": [
            ("audio", "caller", 320, 8000, 0.0),
            ("dtmf", "caller", "#", 160 / 8000),
            ("audio", "caller", 320, 8000, 160 / 8000),
            ("leg-ended", "caller", "eof"),
        ],
    }
    assert [summarize(e) for e in events if isinstance(e, (CallStarted, CallEnded))] == [
        ("started", str(call), "audiosocket"),
        ("ended", "eof"),
    ]
    assert dict(events[0].metadata)["legs"] == "split"  # type: ignore[union-attr]


async def test_a_second_connection_for_an_open_leg_is_refused(dial, sink, caplog) -> None:
    call = uuid.uuid4()
    first = await dial(call)
    await first.send_audio(tone(0))
    duplicate = await dial(call)
    await wait_closed_by_server(duplicate)
    await first.send_audio(tone(1))
    await first.hangup()
    events = await sink.wait_call_ended(str(call))
    assert [summarize(e)[0] for e in events] == ["started", "audio", "audio", "leg-ended", "ended"]
    assert f"{duplicate.local_address}: closing (call None): refused: the unknown leg" in caplog.text


async def test_16khz_audio_keeps_its_rate_and_gets_16khz_keepalives(dial, sink) -> None:
    call = uuid.uuid4()
    dialer = await dial(call)
    await dialer.send_audio(tone(0, 320) + tone(1, 320) + tone(2, 100), kind=FrameKind.SLIN_16K)
    await dialer.wait_received(FrameKind.SLIN_16K, 3)
    assert dialer.last_received == (FrameKind.SLIN_16K, bytes(640))
    await dialer.hangup()
    events = await sink.wait_call_ended(str(call))
    audio = [e for e in events if isinstance(e, AudioReceived)]
    assert [(e.sample_rate, e.audio_time, e.pcm) for e in audio] == [
        (16000, 0.0, tone(0, 320)),
        (16000, 320 / 16000, tone(1, 320)),
        (16000, 640 / 16000, tone(2, 100)),
    ]


async def test_the_server_sends_8khz_silence_keepalives_and_nothing_else(dial) -> None:
    dialer = await dial(uuid.uuid4())
    await dialer.wait_received(FrameKind.SLIN_8K, 5)
    assert set(dialer.received) == {FrameKind.SLIN_8K}
    assert dialer.last_received == (FrameKind.SLIN_8K, bytes(320))


async def test_a_silent_call_ends_with_idle_timeout(start_server, sink) -> None:
    server = await start_server(idle_timeout=0.2)
    dialer = AudioSocketDialer()
    await dialer.connect("127.0.0.1", server.port, call := uuid.uuid4())
    await dialer.send_audio(tone(0))
    events = await sink.wait_call_ended(str(call))
    assert [summarize(e) for e in events[-2:]] == [
        ("leg-ended", "unknown", "idle-timeout"),
        ("ended", "idle-timeout"),
    ]
    await wait_closed_by_server(dialer)
    await dialer.close()


async def test_stop_ends_open_calls_with_shutdown(server: AudioSocketServer, dial, sink) -> None:
    calls = [uuid.uuid4(), uuid.uuid4()]
    dialers = [await dial(call) for call in calls]
    for dialer in dialers:
        await dialer.send_audio(tone(0))
    await sink.wait_for(lambda events: len([e for e in events if isinstance(e, AudioReceived)]) == 2)
    await server.stop()
    for call in calls:
        assert [summarize(e) for e in sink.for_call(str(call))[-2:]] == [
            ("leg-ended", "unknown", "shutdown"),
            ("ended", "shutdown"),
        ]
    for dialer in dialers:
        await wait_closed_by_server(dialer)


async def test_a_peer_that_never_reads_loses_keepalives_without_stalling_others(
    server: AudioSocketServer, dial, sink
) -> None:
    loop = asyncio.get_running_loop()
    stuck = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fill up quickly
    stuck.setblocking(False)
    try:
        await loop.sock_connect(stuck, ("127.0.0.1", server.port))
        # A 192 kHz frame makes its keep-alives 7.5 KiB each: buffers fill within a second.
        await loop.sock_sendall(
            stuck,
            encode_frame(FrameKind.UUID, uuid.uuid4().bytes) + encode_frame(FrameKind.SLIN_192K, bytes(7680)),
        )
        good_call = uuid.uuid4()
        good = await dial(good_call)

        async def talk_until_keepalives_are_dropped() -> None:
            while server.keepalives_dropped == 0:
                await good.send_audio(tone(0))
                await asyncio.sleep(0.02)  # a phone's pace, one 20 ms frame at a time

        await asyncio.wait_for(talk_until_keepalives_are_dropped(), WAIT_LIMIT)
        received = good.received[FrameKind.SLIN_8K]
        await good.wait_received(FrameKind.SLIN_8K, received + 5)
        await good.hangup()
        events = await sink.wait_call_ended(str(good_call))
        assert [summarize(e)[0] for e in events[-2:]] == ["leg-ended", "ended"]
        assert all(summarize(e)[0] == "audio" for e in events[1:-2])
    finally:
        stuck.close()
