"""MediaStreamSession on its own: timestamps, gaps, overlaps, log rate limiting."""

from __future__ import annotations

import base64
import logging
from typing import Any

import orjson
import pytest
from twilio_test_support import CollectingSink, track_audio

from ingest.adapters.pacing import PacingPolicy
from ingest.adapters.twilio_media import MediaStreamSession
from ingest.audio.mulaw import decode_mulaw
from ingest.events import AudioReceived, CallEnded, CallStarted, DtmfReceived

FRAME = bytes(range(160))  # 20 ms of mu-law that decodes to non-silence


def start_message(call_sid: str = "CA1") -> dict:
    return {
        "event": "start",
        "sequenceNumber": "1",
        "streamSid": "MZ1",
        "start": {
            "streamSid": "MZ1",
            "accountSid": "AC1",
            "callSid": call_sid,
            "tracks": ["inbound", "outbound"],
            "customParameters": {"campaign": "sales"},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        },
    }


def media_message(track: str, timestamp_ms: int | str, payload: bytes = FRAME) -> dict:
    return {
        "event": "media",
        "sequenceNumber": "2",
        "streamSid": "MZ1",
        "media": {
            "track": track,
            "chunk": "1",
            "timestamp": str(timestamp_ms),
            "payload": base64.b64encode(payload).decode(),
        },
    }


def started_session(**kwargs: Any) -> tuple[MediaStreamSession, CollectingSink]:
    sink = CollectingSink()
    session = MediaStreamSession(sink, connection="test", **kwargs)
    session.receive_text(orjson.dumps(start_message()))
    return session, sink


def test_duplicate_and_backwards_timestamps_never_move_audio_time_back() -> None:
    session, sink = started_session()
    for timestamp in (0, 20, 20, 30, 50, 0):
        session.receive_message(media_message("inbound", timestamp))
    audio = track_audio(sink.events, "caller")
    # 0 and 20 as sent; the duplicate 20 and the late 0 are dropped whole; 30 overlaps
    # 10 ms already covered, so only its second half (samples 80..159) is kept.
    assert [a.audio_time for a in audio] == [0.0, 0.02, 0.04, 0.05]
    assert [len(a.pcm) for a in audio] == [320, 320, 160, 320]
    assert audio[2].pcm == decode_mulaw(FRAME[80:])
    assert session.stats.frames_dropped == 2


def test_small_timestamp_jitter_is_not_a_gap() -> None:
    session, sink = started_session()
    for timestamp in (0, 21, 39, 61):
        session.receive_message(media_message("outbound", timestamp))
    audio = track_audio(sink.events, "agent")
    assert [a.audio_time for a in audio] == [0.0, 0.02, 0.04, 0.06]
    assert all(a.pcm == decode_mulaw(FRAME) for a in audio)


def test_a_long_gap_is_filled_only_up_to_the_cap(caplog: pytest.LogCaptureFixture) -> None:
    session, sink = started_session(max_gap_s=1.0)
    with caplog.at_level(logging.WARNING):
        for timestamp in (0, 60_000, 60_020):
            session.receive_message(media_message("inbound", timestamp))
    audio = track_audio(sink.events, "caller")
    assert [(a.audio_time, len(a.pcm)) for a in audio] == [
        (0.0, 320),
        (0.02, 16_000),
        (1.02, 320),
        (1.04, 320),
    ]
    assert audio[1].pcm == bytes(16_000)
    assert "gap too long" in caplog.text


def test_first_frame_late_is_aligned_with_silence() -> None:
    session, sink = started_session()
    session.receive_message(media_message("inbound", 0))
    session.receive_message(media_message("outbound", 500))
    agent = track_audio(sink.events, "agent")
    assert [(a.audio_time, len(a.pcm)) for a in agent] == [(0.0, 8000), (0.5, 320)]


def test_dtmf_takes_the_track_position_and_speaker() -> None:
    session, sink = started_session()
    session.receive_message(media_message("inbound", 0))
    session.receive_message({"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": "7"}})
    session.receive_message({"event": "dtmf", "dtmf": {"track": "outbound_track", "digit": "#"}})
    dtmf = [e for e in sink.events if isinstance(e, DtmfReceived)]
    assert [(d.speaker, d.digit, d.audio_time) for d in dtmf] == [("caller", "7", 0.02), ("agent", "#", 0.0)]


def test_key_presses_faster_than_a_keypad_are_dropped_then_the_stream_is_ended() -> None:
    now = [0.0]
    session, sink = started_session(pacing=PacingPolicy(), clock=lambda: now[0])
    press = {"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": "5"}}
    for _ in range(30):
        session.receive_message(press)
    assert sum(isinstance(e, DtmfReceived) for e in sink.events) == 20 and not session.ended
    now[0] = 1.0  # a second later a keypad's worth more gets in
    for _ in range(10):
        session.receive_message(press)
    assert sum(isinstance(e, DtmfReceived) for e in sink.events) == 30
    for _ in range(200):
        session.receive_message(press)
    assert session.ended and session.refusal is not None and "key presses" in session.refusal
    assert [e.reason for e in sink.events if isinstance(e, CallEnded)] == ["flood"]


def test_close_without_stop_ends_the_call_once() -> None:
    session, sink = started_session()
    session.close()
    session.close()
    ended = [e for e in sink.events if isinstance(e, CallEnded)]
    assert [e.reason for e in ended] == ["disconnect"]


def test_close_before_start_emits_nothing() -> None:
    sink = CollectingSink()
    session = MediaStreamSession(sink, connection="test")
    session.close()
    assert sink.events == []


def test_repeated_bad_input_is_logged_a_few_times_then_summarised(caplog: pytest.LogCaptureFixture) -> None:
    session, sink = started_session()
    with caplog.at_level(logging.WARNING, logger="ingest.adapters.twilio_media"):
        for _ in range(50):
            session.receive_text("{not json")
        session.close()
    lines = [r.getMessage() for r in caplog.records]
    assert sum("malformed JSON" in line for line in lines) == 4  # 3 + the summary
    assert any("unlogged repeats" in line and "47" in line for line in lines)
    assert session.stats.ignored_messages == 50
    assert isinstance(sink.events[0], CallStarted)


def test_integer_timestamps_are_tolerated_but_junk_is_not() -> None:
    session, sink = started_session()
    message = media_message("inbound", 0)
    message["media"]["timestamp"] = 0
    session.receive_message(message)
    for junk in ("-20", "1_000", "1e3", "", None, True, ["0"]):
        message = media_message("inbound", 0)
        message["media"]["timestamp"] = junk
        session.receive_message(message)
    assert len(track_audio(sink.events, "caller")) == 1
    assert session.stats.ignored_messages == 7
    assert all(isinstance(e, (CallStarted, AudioReceived)) for e in sink.events)
