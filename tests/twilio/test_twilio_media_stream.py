"""The /twilio/media WebSocket driven over a real socket by the simulated Twilio dialer."""

from __future__ import annotations

import asyncio
import logging

import numpy as np
import pytest
from twilio_test_support import WAIT_S, CollectingSink, track_audio
from websockets.protocol import State

from ingest.audio.mulaw import decode_mulaw, encode_mulaw
from ingest.events import AudioReceived, CallEnded, CallStarted, DtmfReceived
from ingest.settings import IngestSettings
from simulator.twilio_dialer import TwilioStreamDialer

TOKEN = "test-auth-token-0123456789abcdef"


def tone(seconds: float, frequency: float, amplitude: int = 8000) -> bytes:
    """A sine tone as 8 kHz mu-law: distinct, recognisable audio per track."""
    t = np.arange(int(seconds * 8000)) / 8000
    pcm = (amplitude * np.sin(2 * np.pi * frequency * t)).astype("<i2").tobytes()
    return encode_mulaw(pcm)


def joined_pcm(audio: list[AudioReceived]) -> bytes:
    return b"".join(a.pcm for a in audio)


def assert_contiguous(audio: list[AudioReceived]) -> None:
    """Each chunk starts exactly where the previous one ended."""
    position = 0
    for chunk in audio:
        assert chunk.audio_time == position / 8000
        assert chunk.sample_rate == 8000
        position += len(chunk.pcm) // 2


async def test_both_tracks_arrive_with_speakers_and_metadata(serve) -> None:
    app = await serve()
    caller, agent = tone(1.0, 440), tone(1.0, 660)
    dialer = TwilioStreamDialer()
    await dialer.connect(
        f"{app.base_ws}/twilio/media",
        call_sid="CAboth",
        custom_parameters={"caller_number": "+15550100", "campaign": "sales"},
    )
    for offset in range(0, len(caller), 160):
        await dialer.send_media("inbound", caller[offset : offset + 160], offset // 8)
        await dialer.send_media("outbound", agent[offset : offset + 160], offset // 8)
    await dialer.stop()
    events = await app.sink.wait_call_ended("CAboth")
    await dialer.close()

    started = events[0]
    assert isinstance(started, CallStarted)
    assert started.source == "twilio"
    assert dict(started.metadata) == {
        "caller_number": "+15550100",
        "campaign": "sales",
        "stream_sid": "MZboth",
        "account_sid": "AC" + "0" * 32,
        "tracks": "inbound,outbound",
        "media_format": "audio/x-mulaw;rate=8000;channels=1",
    }
    assert joined_pcm(track_audio(events, "caller")) == decode_mulaw(caller)
    assert joined_pcm(track_audio(events, "agent")) == decode_mulaw(agent)
    assert_contiguous(track_audio(events, "caller"))
    assert_contiguous(track_audio(events, "agent"))
    assert isinstance(events[-1], CallEnded) and events[-1].reason == "stop"


async def test_dropped_frames_are_filled_so_tracks_stay_aligned(serve) -> None:
    app = await serve()
    caller, agent = tone(1.0, 440), tone(1.0, 660)
    lost = frozenset({10, 11, 12, 30, 49})
    dialer = TwilioStreamDialer()
    await dialer.connect(f"{app.base_ws}/twilio/media", call_sid="CAgaps")
    await dialer.send_audio("inbound", caller, skip_frames=lost)
    await dialer.send_audio("outbound", agent)
    await dialer.stop()
    events = await app.sink.wait_call_ended("CAgaps")
    await dialer.close()

    caller_audio = track_audio(events, "caller")
    assert_contiguous(caller_audio)
    # The gaps are silence exactly where the lost frames were; the rest is untouched.
    expected = bytearray(decode_mulaw(caller))
    for frame in lost - {49}:  # a lost last frame leaves nothing to fill before
        expected[frame * 320 : (frame + 1) * 320] = bytes(320)
    assert joined_pcm(caller_audio) == bytes(expected[: 49 * 320])
    # The first frame after the lost 10..12 keeps its own time (and the fill covers 0.20..0.26).
    after_gap = [a for a in caller_audio if 0.2 <= a.audio_time <= 0.26]
    assert [(a.audio_time, len(a.pcm)) for a in after_gap] == [(0.2, 960), (0.26, 320)]
    assert after_gap[1].pcm == decode_mulaw(caller[13 * 160 : 14 * 160])
    agent_audio = track_audio(events, "agent")
    assert [a.audio_time for a in agent_audio] == [i * 160 / 8000 for i in range(50)]


async def test_dtmf_and_mark(serve) -> None:
    app = await serve()
    dialer = TwilioStreamDialer()
    await dialer.connect(f"{app.base_ws}/twilio/media", call_sid="CAdtmf")
    await dialer.send_audio("inbound", tone(0.1, 440))
    await dialer.send_mark("greeting-played")
    await dialer.send_dtmf("5")
    await dialer.stop()
    events = await app.sink.wait_call_ended("CAdtmf")
    await dialer.close()
    dtmf = [e for e in events if isinstance(e, DtmfReceived)]
    assert [(d.speaker, d.digit, d.audio_time) for d in dtmf] == [("caller", "5", 0.1)]


async def test_socket_closed_without_stop_ends_the_call(serve) -> None:
    app = await serve()
    dialer = TwilioStreamDialer()
    await dialer.connect(f"{app.base_ws}/twilio/media", call_sid="CAdrop")
    await dialer.send_audio("inbound", tone(0.1, 440))
    await dialer.close()
    events = await app.sink.wait_call_ended("CAdrop")
    assert isinstance(events[-1], CallEnded) and events[-1].reason == "disconnect"
    assert sum(isinstance(e, CallEnded) for e in events) == 1


BAD_MESSAGES = [
    ("malformed JSON", '{"event": "media", '),
    ("not a JSON object", '["media"]'),
    ("not a JSON object", "42"),
    (
        "media payload is not base64",
        '{"event": "media", "media": {"track": "inbound", "timestamp": "0", "payload": "!!not base64!!"}}',
    ),
    ("unknown event", '{"event": "dance"}'),
    ("unknown event", '{"no_event": true}'),
    ("without a media object", '{"event": "media"}'),
    ("without a valid timestamp", '{"event": "media", "media": {"track": "inbound", "payload": "/w=="}}'),
    ("without payload", '{"event": "media", "media": {"track": "inbound", "timestamp": "0"}}'),
    ("unknown track", '{"event": "media", "media": {"track": ["x"], "timestamp": "0", "payload": "/w=="}}'),
    ("invalid digit", '{"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": "55"}}'),
    ("second start", '{"event": "start", "start": {"callSid": "CAother"}}'),
]


async def test_bad_messages_are_dropped_and_the_call_goes_on(serve, caplog: pytest.LogCaptureFixture) -> None:
    app = await serve()
    good_audio = tone(0.4, 330)
    good = TwilioStreamDialer()
    bad = TwilioStreamDialer()
    await good.connect(f"{app.base_ws}/twilio/media", call_sid="CAgood")
    await bad.connect(f"{app.base_ws}/twilio/media", call_sid="CAbad")

    async def misbehave() -> None:
        await bad.send_media("inbound", good_audio[:160], 0)
        for _, message in BAD_MESSAGES:
            await bad.send_raw(message)
        await bad.send_raw(
            b'{"event": "media", "media": {"track": "inbound", "timestamp": "20", '
            b'"payload": "' + b"/w==" * 40 + b'"}}'
        )  # binary frames are read too
        await bad.send_media("inbound", good_audio[320:480], 40)

    with caplog.at_level(logging.WARNING, logger="ingest.adapters.twilio_media"):
        await asyncio.gather(misbehave(), good.send_audio("inbound", good_audio, realtime=True))
        await bad.stop()
        await good.stop()
        bad_events = await app.sink.wait_call_ended("CAbad")
        good_events = await app.sink.wait_call_ended("CAgood")
    assert bad.websocket.state is State.OPEN, "bad input must not close the connection"
    await bad.close()
    await good.close()

    for reason, _ in BAD_MESSAGES:
        assert reason in caplog.text
    assert "CAother" not in {e.call_id for e in app.sink.events}
    assert [type(e).__name__ for e in bad_events] == [
        "CallStarted",
        "AudioReceived",
        "AudioReceived",
        "AudioReceived",
        "CallEnded",
    ]
    assert joined_pcm(track_audio(bad_events, "caller")) == (
        decode_mulaw(good_audio[:160]) + bytes(320) + decode_mulaw(good_audio[320:480])
    )
    assert joined_pcm(track_audio(good_events, "caller")) == decode_mulaw(good_audio)
    assert good_events[-1].reason == "stop"


async def test_media_before_start_and_a_wrong_media_format_are_ignored(serve, caplog) -> None:
    app = await serve()
    dialer = TwilioStreamDialer()
    with caplog.at_level(logging.WARNING, logger="ingest.adapters.twilio_media"):
        await dialer.connect(f"{app.base_ws}/twilio/media", call_sid="CAfmt", send_start=False)
        await dialer.send_media("inbound", tone(0.02, 440), 0)
        await dialer.send_json(
            {
                "event": "start",
                "start": {
                    "callSid": "CAfmt",
                    "streamSid": "MZfmt",
                    "customParameters": {},
                    "mediaFormat": {"encoding": "audio/x-l16", "sampleRate": 16000, "channels": 1},
                },
            }
        )
        await dialer.send_json({"event": "start", "start": {"callSid": "CAfmt"}})
        await dialer.send_media("inbound", tone(0.02, 440), 20)
        await dialer.stop()
        # The connection is still usable: a proper start now begins the call.
        await dialer.send_json(
            {
                "event": "start",
                "start": {
                    "callSid": "CAfmt",
                    "streamSid": "MZfmt",
                    "customParameters": {"try": "2"},
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                },
            }
        )
        await dialer.send_media("inbound", tone(0.02, 440), 0)
        await dialer.stop()
        events = await app.sink.wait_call_ended("CAfmt")
    await dialer.close()
    assert "media before start" in caplog.text
    assert "audio/x-l16" in caplog.text
    assert "mediaFormat missing" in caplog.text
    assert "stop before start" in caplog.text
    assert [type(e).__name__ for e in events] == ["CallStarted", "AudioReceived", "CallEnded"]
    assert events[0].metadata["try"] == "2"


async def test_concurrent_calls_stay_separate(serve) -> None:
    app = await serve(sink=CollectingSink())
    calls = {f"CAmany{i}": tone(0.3, 300 + 50 * i) for i in range(8)}

    async def one_call(call_sid: str, audio: bytes) -> None:
        dialer = TwilioStreamDialer()
        await dialer.connect(f"{app.base_ws}/twilio/media", call_sid=call_sid)
        await dialer.send_audio("inbound", audio, realtime=True)
        await dialer.stop()
        await dialer.close()

    await asyncio.gather(*(one_call(sid, audio) for sid, audio in calls.items()))
    for call_sid, audio in calls.items():
        events = await app.sink.wait_call_ended(call_sid)
        assert joined_pcm(track_audio(events, "caller")) == decode_mulaw(audio)


async def test_unsigned_streams_accepted_without_a_token(serve, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="ingest.adapters.twilio_routes"):
        app = await serve(IngestSettings(twilio_auth_token=None))
    assert "signatures are NOT checked" in caplog.text
    dialer = TwilioStreamDialer()
    await dialer.connect(f"{app.base_ws}/twilio/media", call_sid="CAopen")
    await dialer.stop()
    events = await app.sink.wait_call_ended("CAopen")
    await dialer.close()
    assert isinstance(events[0], CallStarted)


async def test_signed_upgrade_is_accepted(serve) -> None:
    app = await serve(IngestSettings(twilio_auth_token=TOKEN))
    dialer = TwilioStreamDialer()
    await dialer.connect(f"{app.base_ws}/twilio/media", call_sid="CAsigned", auth_token=TOKEN)
    await dialer.send_audio("outbound", tone(0.1, 500))
    await dialer.stop()
    events = await app.sink.wait_call_ended("CAsigned")
    await dialer.close()
    assert len(track_audio(events, "agent")) == 5


async def test_signature_of_the_public_url_behind_a_proxy(serve) -> None:
    settings = IngestSettings(twilio_auth_token=TOKEN, public_url="https://calls.example.com")
    app = await serve(settings)
    dialer = TwilioStreamDialer()
    await dialer.connect(
        f"{app.base_ws}/twilio/media",
        call_sid="CAproxy",
        auth_token=TOKEN,
        signed_url="wss://calls.example.com/twilio/media",
    )
    await dialer.stop()
    events = await app.sink.wait_call_ended("CAproxy")
    await dialer.close()
    assert isinstance(events[0], CallStarted)

    local = TwilioStreamDialer()  # signed for the address the proxy hides: wrong URL
    await _connect_expecting_rejection(local, f"{app.base_ws}/twilio/media", "CAlocal", TOKEN)
    assert await asyncio.wait_for(local.wait_closed(), WAIT_S) == 1008


async def _connect_expecting_rejection(
    dialer: TwilioStreamDialer, url: str, call_sid: str, token: str | None
) -> None:
    from websockets.exceptions import ConnectionClosed

    try:
        await dialer.connect(url, call_sid=call_sid, auth_token=token)
    except ConnectionClosed:
        pass  # the server may close before our connected/start frames are sent


@pytest.mark.parametrize("token", [None, "wrong-token"], ids=["unsigned", "wrongly-signed"])
async def test_bad_upgrade_signature_closes_with_1008(serve, token: str | None) -> None:
    app = await serve(IngestSettings(twilio_auth_token=TOKEN))
    dialer = TwilioStreamDialer()
    await _connect_expecting_rejection(dialer, f"{app.base_ws}/twilio/media", "CAforged", token)
    assert await asyncio.wait_for(dialer.wait_closed(), WAIT_S) == 1008
    assert dialer.websocket.close_reason == "invalid Twilio signature"
    # A good call afterwards proves the server processed the forged one: it has no events.
    good = TwilioStreamDialer()
    await good.connect(f"{app.base_ws}/twilio/media", call_sid="CAafter", auth_token=TOKEN)
    await good.stop()
    await app.sink.wait_call_ended("CAafter")
    await good.close()
    assert app.sink.for_call("CAforged") == []
