"""Sample-rate conversion with soxr (the SoX resampler, a real band-limited one).

Speech-to-text engines want 16 kHz; telephony gives 8 kHz (and AudioSocket's
newer slin kinds up to 192 kHz). Whole utterances are converted in one call,
off the event loop; streams that must stay continuous use `StreamResampler`.
"""

from __future__ import annotations

import numpy as np
import soxr

ASR_RATE = 16_000


def resample_pcm16(pcm: bytes, from_rate: int, to_rate: int = ASR_RATE) -> bytes:
    """Resample a whole buffer of s16le mono PCM."""
    if from_rate == to_rate or not pcm:
        return pcm
    samples = np.frombuffer(pcm, dtype=np.int16)
    out = soxr.resample(samples, from_rate, to_rate, quality="HQ")
    return np.asarray(out, dtype=np.int16).tobytes()


def pcm16_to_float32(pcm: bytes) -> np.ndarray:
    """s16le bytes -> float32 in [-1, 1), what faster-whisper expects."""
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0


class StreamResampler:
    """Chunk-by-chunk resampling that keeps filter state between chunks.

    The stream works in float32 and rounds to 16 bits itself: a soxr stream with
    int16 output dithers with a seed taken from the clock, so the same audio came
    out different on every run, and the voice detector behind it moved
    utterance starts by 20-60 ms from one run to the next."""

    def __init__(self, from_rate: int, to_rate: int = ASR_RATE) -> None:
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._stream = soxr.ResampleStream(from_rate, to_rate, 1, dtype="float32", quality="HQ")

    def feed(self, pcm: bytes) -> bytes:
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
        return _to_pcm16(self._stream.resample_chunk(samples))

    def flush(self) -> bytes:
        return _to_pcm16(self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True))


def _to_pcm16(samples: np.ndarray) -> bytes:
    return bytes(np.clip(np.rint(samples), -32768, 32767).astype(np.int16).tobytes())
