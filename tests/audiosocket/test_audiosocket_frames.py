"""The pure AudioSocket codec: bytes in, frames out, no sockets."""

from __future__ import annotations

import uuid

import pytest

from ingest.adapters.audiosocket_frames import (
    MAX_AUDIO_PAYLOAD,
    Frame,
    FrameDecoder,
    FrameKind,
    ProtocolError,
    decode_frames,
    encode_frame,
    error_description,
    error_name,
    frame_bytes,
    silence_frame,
)


def test_encode_frame_writes_kind_big_endian_length_and_payload() -> None:
    assert encode_frame(FrameKind.HANGUP) == b"\x00\x00\x00"
    assert encode_frame(FrameKind.SLIN_8K, b"\x01\x02") == b"\x10\x00\x02\x01\x02"
    assert encode_frame(FrameKind.SLIN_8K, bytes(320))[:3] == b"\x10\x01\x40"


def test_encode_frame_refuses_what_the_header_cannot_express() -> None:
    with pytest.raises(ValueError):
        encode_frame(FrameKind.SLIN_8K, bytes(0x10000))
    with pytest.raises(ValueError):
        encode_frame(0x100, b"")


def test_a_whole_call_round_trips() -> None:
    call = uuid.uuid4()
    frames = [
        Frame(FrameKind.UUID, call.bytes),
        Frame(FrameKind.SLIN_8K, bytes(range(256)) + bytes(64)),
        Frame(FrameKind.DTMF, b"5"),
        Frame(FrameKind.SLIN_16K, b"\xff\x7f" * 320),
        Frame(FrameKind.ERROR, b"\x01"),
        Frame(FrameKind.ERROR, b""),
        Frame(FrameKind.HANGUP, b""),
    ]
    wire = b"".join(encode_frame(kind, payload) for kind, payload in frames)
    assert decode_frames(wire) == frames


def test_bytes_arriving_one_at_a_time_decode_the_same() -> None:
    wire = encode_frame(FrameKind.UUID, uuid.uuid4().bytes) + encode_frame(FrameKind.SLIN_8K, b"ab" * 160)
    decoder = FrameDecoder()
    decoded: list[Frame] = []
    for byte in wire:
        decoder.feed(bytes([byte]))
        decoded.extend(decoder.frames())
    assert decoded == decode_frames(wire)
    assert decoder.incomplete_frame() is None


@pytest.mark.parametrize(
    ("kind", "rate"),
    [
        (0x10, 8000),
        (0x11, 12000),
        (0x12, 16000),
        (0x13, 24000),
        (0x14, 32000),
        (0x15, 44100),
        (0x16, 48000),
        (0x17, 96000),
        (0x18, 192000),
    ],
)
def test_slin_kinds_carry_asterisks_sample_rates(kind: int, rate: int) -> None:
    (frame,) = decode_frames(silence_frame(FrameKind(kind)))
    assert frame.sample_rate == rate
    assert frame.payload == bytes(round(rate * 0.02) * 2)
    assert frame_bytes(FrameKind(kind)) == len(frame.payload)


def test_keepalive_silence_is_320_zero_bytes_of_8khz() -> None:
    assert silence_frame() == b"\x10\x01\x40" + bytes(320)


@pytest.mark.parametrize(
    ("wire", "problem"),
    [
        (b"\x02\x00\x06abcdef", "unknown frame kind 0x02"),
        (b"GET / HTTP/1.1\r\n", "unknown frame kind 0x47"),
        (b"\x10\x00\x03abc", "odd length"),
        (b"\x01\x00\x0f" + bytes(15), "UUID frame of 15 bytes"),
        (b"\x03\x00\x02" + b"12", "DTMF frame of 2 bytes"),
        (b"\x00\x00\x01x", "hangup frame with a 1-byte payload"),
        (b"\xff\x00\x02\x01\x02", "error frame of 2 bytes"),
    ],
)
def test_bad_frames_are_rejected_from_the_header(wire: bytes, problem: str) -> None:
    decoder = FrameDecoder()
    decoder.feed(wire[:3])  # the header alone is enough to refuse
    with pytest.raises(ProtocolError, match=problem):
        list(decoder.frames())


def test_audio_frames_up_to_the_protocol_limit_and_empty_ones_decode() -> None:
    assert MAX_AUDIO_PAYLOAD == 0xFFFF
    decoder = FrameDecoder()
    decoder.feed(encode_frame(FrameKind.SLIN_8K, bytes(0xFFFE)) + encode_frame(FrameKind.SLIN_8K))
    assert [len(f.payload) for f in decoder.frames()] == [0xFFFE, 0]
    decoder = FrameDecoder(max_audio_payload=320)  # a stricter limit still refuses from the header
    decoder.feed(b"\x10\x01\x42")
    with pytest.raises(ProtocolError, match="322 bytes exceeds the 320-byte limit"):
        list(decoder.frames())


def test_good_frames_before_a_bad_one_are_still_delivered() -> None:
    decoder = FrameDecoder()
    decoder.feed(encode_frame(FrameKind.DTMF, b"7") + b"\x42\x00\x00")
    frames = decoder.frames()
    assert next(frames) == Frame(FrameKind.DTMF, b"7")
    with pytest.raises(ProtocolError):
        next(frames)


def test_a_frame_cut_short_is_reported_at_eof() -> None:
    decoder = FrameDecoder()
    decoder.feed(b"\x10\x01\x40" + bytes(100))
    assert list(decoder.frames()) == []
    assert decoder.incomplete_frame() == (
        "connection closed mid-frame: kind 0x10 declared 320 bytes, got 100"
    )
    decoder = FrameDecoder()
    decoder.feed(b"\x10\x01")
    assert decoder.incomplete_frame() == "connection closed mid-header (2 of 3 bytes)"
    with pytest.raises(ProtocolError, match="mid-frame"):
        decode_frames(b"\x01\x00\x10" + bytes(4))


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (None, "none"),
        (0, "none"),
        (1, "hangup"),
        (2, "frame-forwarding"),
        (4, "memory"),
        (9, "code-0x09"),
    ],
)
def test_error_codes_have_names(code: int | None, name: str) -> None:
    assert error_name(code) == name


def test_error_codes_have_descriptions() -> None:
    assert error_description(1) == "the caller hung up"
    assert error_description(None) == error_description(0) == "no error code"
    assert error_description(0x42) == "error code 0x42"
