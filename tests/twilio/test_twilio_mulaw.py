"""G.711 mu-law tables against the standard's values and audioop's reference code."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ingest.audio.mulaw import MULAW_SILENCE, decode_mulaw, encode_mulaw, silence_pcm

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # reference implementation, tests only (gone in Python 3.13)

ALL_CODES = bytes(range(256))
ALL_SAMPLES = np.arange(-32768, 32768, dtype="<i2")


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.int32)


def test_known_values_from_the_standard() -> None:
    assert samples(decode_mulaw(bytes([0xFF, 0x00, 0x80, 0x7F]))).tolist() == [0, -32124, 32124, 0]
    assert samples(decode_mulaw(bytes([MULAW_SILENCE]))).tolist() == [0]
    assert encode_mulaw(np.array([0, 32767, -32768], dtype="<i2").tobytes()) == bytes([0xFF, 0x80, 0x00])


def test_decode_matches_audioop_for_every_code() -> None:
    assert decode_mulaw(ALL_CODES) == audioop.ulaw2lin(ALL_CODES, 2)


def test_encode_matches_audioop_for_every_sample() -> None:
    pcm = ALL_SAMPLES.tobytes()
    assert encode_mulaw(pcm) == audioop.lin2ulaw(pcm, 2)


def test_round_trip_stays_within_quantisation() -> None:
    original = ALL_SAMPLES.astype(np.int32)
    restored = samples(decode_mulaw(encode_mulaw(ALL_SAMPLES.tobytes())))
    error = np.abs(restored - original)
    # Half a quantisation step is 4 in the first segment and doubles with each of the 8
    # segments, so it stays below |x| / 16 + 8; beyond 32124 the encoder clips.
    allowed = (np.abs(original) >> 4) + 8 + np.maximum(0, np.abs(original) - 32124)
    assert np.all(error <= allowed)
    # Decoded values are exact quantisation levels: they encode back to the same code
    # (0x7f is "negative zero" and comes back as 0xff).
    codes = bytes(c for c in ALL_CODES if c != 0x7F)
    assert encode_mulaw(decode_mulaw(codes)) == codes
    assert np.all(np.diff(restored) >= 0), "quantisation must be monotonic"


def test_accepts_memoryview_and_rejects_odd_pcm() -> None:
    assert decode_mulaw(memoryview(b"\xff\x00")[1:]) == decode_mulaw(b"\x00")
    with pytest.raises(ValueError, match="even number"):
        encode_mulaw(b"\x00\x01\x02")


def test_silence_pcm_is_what_silence_decodes_to() -> None:
    assert silence_pcm(160) == decode_mulaw(bytes([MULAW_SILENCE]) * 160)
