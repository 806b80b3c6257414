"""Bad wire input closes only the offending connection; a concurrent good call is untouched."""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass

import pytest
from audiosocket_helpers import CollectingSink, summarize, wait_closed_by_server

from ingest.adapters.audiosocket_frames import FrameKind, encode_frame
from ingest.events import CallStarted
from simulator.audiosocket_dialer import AudioSocketDialer

FIRST_FRAME_TIMEOUT = 0.3


@dataclass(frozen=True)
class BadPeer:
    sends_uuid: bool
    data: bytes
    problem: str
    then_eof: bool = False


CASES = {
    "garbage-before-uuid": BadPeer(False, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "unknown frame kind 0x47"),
    "garbage-after-uuid": BadPeer(True, b"\x99\x01\x02hello", "unknown frame kind 0x99 (length 258)"),
    "unknown-kind": BadPeer(True, b"\x02\x00\x06" + b"\x01" * 6, "unknown frame kind 0x02"),
    "length-beyond-eof": BadPeer(
        True,
        b"\x10\x01\x40" + bytes(100),
        "connection closed mid-frame: kind 0x10 declared 320 bytes, got 100",
        then_eof=True,
    ),
    "64k-odd-frame": BadPeer(True, b"\x10\xff\xff" + bytes(0xFFFF), "audio frame of odd length 65535"),
    "odd-length-audio": BadPeer(True, b"\x10\x00\x03abc", "audio frame of odd length 3"),
    "audio-before-uuid": BadPeer(
        False, encode_frame(FrameKind.SLIN_8K, bytes(320)), "SLIN_8K frame before the UUID"
    ),
    "dtmf-before-uuid": BadPeer(False, encode_frame(FrameKind.DTMF, b"1"), "DTMF frame before the UUID"),
    "silent-connection": BadPeer(False, b"", f"no UUID frame within {FIRST_FRAME_TIMEOUT:g} s"),
    "short-uuid": BadPeer(False, b"\x01\x00\x08" + bytes(8), "UUID frame of 8 bytes, expected 16"),
    "long-uuid": BadPeer(False, b"\x01\x00\x11" + bytes(17), "UUID frame of 17 bytes, expected 16"),
    "second-uuid": BadPeer(True, encode_frame(FrameKind.UUID, uuid.uuid4().bytes), "a second UUID frame"),
}


def tone(index: int) -> bytes:
    return bytes((index * 11 + i) % 256 for i in range(320))


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
async def test_bad_input_closes_only_its_own_connection(
    start_server, sink: CollectingSink, caplog: pytest.LogCaptureFixture, case: BadPeer
) -> None:
    caplog.set_level(logging.INFO, logger="ingest.adapters.audiosocket")
    server = await start_server(first_frame_timeout=FIRST_FRAME_TIMEOUT)
    good_call, bad_call = uuid.uuid4(), uuid.uuid4()
    good, bad = AudioSocketDialer(), AudioSocketDialer()
    try:
        await good.connect("127.0.0.1", server.port, good_call)
        await good.send_audio(tone(0) + tone(1))

        await bad.connect("127.0.0.1", server.port, bad_call if case.sends_uuid else None)
        with contextlib.suppress(ConnectionError):  # the server may hang up mid-write
            await bad.send_raw(case.data)
            if case.then_eof:
                await bad.end_stream()
        await wait_closed_by_server(bad)

        await good.send_dtmf("9")
        await good.send_audio(tone(2))
        await good.hangup()
        good_events = await sink.wait_call_ended(str(good_call))
    finally:
        await good.close()
        await bad.close()

    assert [summarize(e) for e in good_events] == [
        ("started", str(good_call), "audiosocket"),
        ("audio", "unknown", 320, 8000, 0.0),
        ("audio", "unknown", 320, 8000, 0.02),
        ("dtmf", "unknown", "9", 0.04),
        ("audio", "unknown", 320, 8000, 0.04),
        ("leg-ended", "unknown", "hangup"),
        ("ended", "hangup"),
    ]
    bad_events = [summarize(e) for e in sink.for_call(str(bad_call))]
    if case.sends_uuid:
        reason = bad_events[-1][1]
        assert reason.startswith("protocol-error: ") and case.problem in reason
        assert bad_events == [
            ("started", str(bad_call), "audiosocket"),
            ("leg-ended", "unknown", reason),
            ("ended", reason),
        ]
    else:
        assert bad_events == []
        assert [e for e in sink.events if isinstance(e, CallStarted)] == sink.events[:1]
    closing = [r.getMessage() for r in caplog.records if "closing" in r.getMessage()]
    assert any(bad.local_address in line and case.problem in line for line in closing), closing
