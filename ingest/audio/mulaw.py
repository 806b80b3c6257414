"""G.711 mu-law <-> signed 16-bit little-endian PCM, table driven.

Telephony audio (Twilio Media Streams, Deepgram's `mulaw` input) is 8-bit
mu-law. Encoding is one numpy table lookup. Decoding runs per 20 ms frame on
every live track, where numpy's per-call overhead is most of the cost: it is
two `bytes.translate` passes (low and high byte of each sample) interleaved
by slice assignment, all in C, about twice as fast as numpy on 160 bytes. The encoder follows the reference G.711
code (Sun's g711.c, also used by Python's old `audioop`): samples are cut to
14 bits, biased by 0x84 and quantised into 8 segments.
"""

from __future__ import annotations

import numpy as np

MULAW_SILENCE = 0xFF
"""The mu-law byte that decodes to PCM 0 (what Twilio sends for silence)."""

_BIAS = 0x84
_CLIP_14BIT = 8159
_SEGMENT_ENDS_14BIT = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF], dtype=np.int32)


def _build_decode_table() -> np.ndarray:
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    magnitude = ((mantissa << 3) + _BIAS) << exponent
    value = np.where(code & 0x80, _BIAS - magnitude, magnitude - _BIAS)
    return value.astype("<i2")


def _build_encode_table() -> np.ndarray:
    """Mu-law byte for every 16-bit sample, indexed by the sample's unsigned view."""
    samples = np.arange(-32768, 32768, dtype=np.int32)
    shifted = samples >> 2  # arithmetic shift: -1 stays -1, as in the reference code
    negative = shifted < 0
    mask = np.where(negative, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(shifted), _CLIP_14BIT) + (_BIAS >> 2)
    segment = np.searchsorted(_SEGMENT_ENDS_14BIT, magnitude, side="left")
    code = (segment << 4) | ((magnitude >> (np.minimum(segment, 7) + 1)) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code) ^ mask
    table = np.empty(65536, dtype=np.uint8)
    table[samples.astype(np.uint16)] = code.astype(np.uint8)
    return table


_DECODE_TABLE = _build_decode_table()
_ENCODE_TABLE = _build_encode_table()
_DECODED_LOW_BYTES = _DECODE_TABLE.tobytes()[0::2]
_DECODED_HIGH_BYTES = _DECODE_TABLE.tobytes()[1::2]


def decode_mulaw(data: bytes | bytearray | memoryview) -> bytes:
    """Mu-law bytes -> s16le PCM (two bytes per input byte)."""
    codes = bytes(data) if type(data) is memoryview else data
    pcm = bytearray(2 * len(codes))
    pcm[0::2] = codes.translate(_DECODED_LOW_BYTES)
    pcm[1::2] = codes.translate(_DECODED_HIGH_BYTES)
    return bytes(pcm)


def encode_mulaw(pcm: bytes | bytearray | memoryview) -> bytes:
    """s16le PCM -> mu-law bytes (one byte per sample)."""
    if len(pcm) % 2:
        raise ValueError(f"16-bit PCM needs an even number of bytes, got {len(pcm)}")
    return bytes(_ENCODE_TABLE[np.frombuffer(pcm, dtype="<u2")].tobytes())


def silence_pcm(samples: int) -> bytes:
    """`samples` samples of s16le silence (what mu-law 0xff decodes to)."""
    return bytes(2 * samples)
