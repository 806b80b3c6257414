"""Asterisk AudioSocket wire format: a pure codec, no sockets.

A frame is ``kind (1 byte) | payload length (2 bytes, big-endian) | payload``.
Audio payloads are signed 16-bit little-endian mono PCM.

The slin kinds 0x11..0x18 were added by asterisk/asterisk PR #1492
("res_audiosocket: add message types for all slin sample rates", merged
2025-10). Sources read for the mapping below:

* ``include/asterisk/res_audiosocket.h`` in asterisk/asterisk (stored version
  at commit 0916849eddfe51122167b293554cfe5fa3bd93b9). That copy is the PR's
  *first draft* and names only ``AST_AUDIOSOCKET_KIND_AUDIO_SLIN16 = 0x11``;
  the PR was reworked before merging to cover every slin rate, so do not
  trust a header that shows that single value.
* ``res/res_audiosocket.c`` after the merge, which handles ``SLIN12, SLIN16,
  SLIN24, SLIN32, SLIN44, SLIN48, SLIN96, SLIN192`` in that order, and the
  protocol page https://docs.asterisk.org/Configuration/Channel-Drivers/AudioSocket/
  which lists 0x11 = 12 kHz, 0x12 = 16 kHz, 0x13 = 24 kHz, 0x14 = 32 kHz,
  0x15 = 44.1 kHz, 0x16 = 48 kHz, 0x17 = 96 kHz, 0x18 = 192 kHz.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from enum import IntEnum
from typing import NamedTuple

HEADER = struct.Struct("!BH")
MAX_PAYLOAD = 0xFFFF
"""The protocol's own limit: the length field is 16 bits."""

MAX_AUDIO_PAYLOAD = MAX_PAYLOAD
"""Largest audio payload we accept: the protocol's own limit. Asterisk sends
frames of the channel's ptime, which may be long at high rates; buffering up to
64 KiB per connection is bounded by the server's connection limit."""

FRAME_SECONDS = 0.02


class FrameKind(IntEnum):
    HANGUP = 0x00
    UUID = 0x01
    DTMF = 0x03
    SLIN_8K = 0x10
    SLIN_12K = 0x11
    SLIN_16K = 0x12
    SLIN_24K = 0x13
    SLIN_32K = 0x14
    SLIN_44K = 0x15
    SLIN_48K = 0x16
    SLIN_96K = 0x17
    SLIN_192K = 0x18
    ERROR = 0xFF


SAMPLE_RATES: dict[FrameKind, int] = {
    FrameKind.SLIN_8K: 8000,
    FrameKind.SLIN_12K: 12000,
    FrameKind.SLIN_16K: 16000,
    FrameKind.SLIN_24K: 24000,
    FrameKind.SLIN_32K: 32000,
    FrameKind.SLIN_44K: 44100,
    FrameKind.SLIN_48K: 48000,
    FrameKind.SLIN_96K: 96000,
    FrameKind.SLIN_192K: 192000,
}
AUDIO_KINDS = frozenset(SAMPLE_RATES)


class ErrorCode(IntEnum):
    """Asterisk's codes in the optional byte of an ERROR frame."""

    NONE = 0x00
    HANGUP = 0x01
    FRAME_FORWARDING = 0x02
    MEMORY = 0x04


def error_name(code: int | None) -> str:
    """Short name for an error code, as used in reasons ("error:hangup")."""
    if code is None:
        return "none"
    try:
        return ErrorCode(code).name.lower().replace("_", "-")
    except ValueError:
        return f"code-0x{code:02x}"


_ERROR_DESCRIPTIONS = {
    ErrorCode.NONE: "no error code",
    ErrorCode.HANGUP: "the caller hung up",
    ErrorCode.FRAME_FORWARDING: "Asterisk failed to forward a frame",
    ErrorCode.MEMORY: "Asterisk ran out of memory",
}


def error_description(code: int | None) -> str:
    """What an error code means, for people reading alerts and logs."""
    if code is None:
        return _ERROR_DESCRIPTIONS[ErrorCode.NONE]
    try:
        return _ERROR_DESCRIPTIONS[ErrorCode(code)]
    except ValueError:
        return f"error code 0x{code:02x}"


class Frame(NamedTuple):
    kind: FrameKind
    payload: bytes

    @property
    def sample_rate(self) -> int | None:
        return SAMPLE_RATES.get(self.kind)


class ProtocolError(ValueError):
    """The peer sent something that is not valid AudioSocket; close the connection."""


def encode_frame(kind: int, payload: bytes = b"") -> bytes:
    """One frame ready for the wire."""
    if not 0 <= kind <= 0xFF:
        raise ValueError(f"frame kind {kind} does not fit in a byte")
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes exceeds the 16-bit length field")
    return HEADER.pack(kind, len(payload)) + payload


def frame_bytes(kind: FrameKind) -> int:
    """Payload size of 20 ms of audio of this kind."""
    return round(SAMPLE_RATES[kind] * FRAME_SECONDS) * 2


def silence_frame(kind: FrameKind = FrameKind.SLIN_8K) -> bytes:
    """20 ms of silence of an audio kind, encoded (the keep-alive)."""
    return encode_frame(kind, bytes(frame_bytes(kind)))


def _check_header(kind_byte: int, length: int, max_audio_payload: int) -> FrameKind:
    """Reject a frame from its header alone, before buffering its payload."""
    try:
        kind = FrameKind(kind_byte)
    except ValueError:
        raise ProtocolError(f"unknown frame kind 0x{kind_byte:02x} (length {length})") from None
    if kind in AUDIO_KINDS:
        # Zero-length audio is legal on the wire (the Go reference accepts it); the
        # connection ignores it.
        if length > max_audio_payload:
            raise ProtocolError(f"audio frame of {length} bytes exceeds the {max_audio_payload}-byte limit")
        if length % 2:
            raise ProtocolError(f"audio frame of odd length {length}: not whole 16-bit samples")
    elif kind is FrameKind.UUID and length != 16:
        raise ProtocolError(f"UUID frame of {length} bytes, expected 16")
    elif kind is FrameKind.DTMF and length != 1:
        raise ProtocolError(f"DTMF frame of {length} bytes, expected 1")
    elif kind is FrameKind.HANGUP and length != 0:
        raise ProtocolError(f"hangup frame with a {length}-byte payload")
    elif kind is FrameKind.ERROR and length > 1:
        raise ProtocolError(f"error frame of {length} bytes, expected at most 1")
    return kind


class FrameDecoder:
    """Incremental decoder: `feed()` bytes as they arrive, then take `frames()`.

    Frames are checked from their header, so an oversized or unknown frame is
    rejected before its payload is buffered. After a `ProtocolError` the
    stream is out of sync and the connection must be closed.
    """

    def __init__(self, max_audio_payload: int = MAX_AUDIO_PAYLOAD) -> None:
        self._buffer = bytearray()
        self._max_audio_payload = max_audio_payload
        self._pending: tuple[FrameKind, int] | None = None

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def next_frame(self) -> Frame | None:
        """The next complete frame, or None until more bytes arrive."""
        if self._pending is None:
            if len(self._buffer) < HEADER.size:
                return None
            kind_byte, length = HEADER.unpack_from(self._buffer)
            kind = _check_header(kind_byte, length, self._max_audio_payload)
            del self._buffer[: HEADER.size]
            self._pending = (kind, length)
        kind, length = self._pending
        if len(self._buffer) < length:
            return None
        payload = bytes(self._buffer[:length])
        del self._buffer[:length]
        self._pending = None
        return Frame(kind, payload)

    def frames(self) -> Iterator[Frame]:
        """Every complete frame buffered so far; raises `ProtocolError` at a bad one."""
        while (frame := self.next_frame()) is not None:
            yield frame

    def incomplete_frame(self) -> str | None:
        """At EOF: what was cut short, or None when the stream ended between frames."""
        if self._pending is not None:
            kind, length = self._pending
            return (
                f"connection closed mid-frame: kind 0x{kind:02x} declared {length} bytes, "
                f"got {len(self._buffer)}"
            )
        if self._buffer:
            return f"connection closed mid-header ({len(self._buffer)} of 3 bytes)"
        return None


def decode_frames(data: bytes, max_audio_payload: int = MAX_AUDIO_PAYLOAD) -> list[Frame]:
    """Decode a complete byte string; trailing partial frames raise `ProtocolError`."""
    decoder = FrameDecoder(max_audio_payload)
    decoder.feed(data)
    frames = list(decoder.frames())
    if (problem := decoder.incomplete_frame()) is not None:
        raise ProtocolError(problem)
    return frames
