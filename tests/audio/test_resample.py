"""Resampling on real speech: the same audio always comes out the same."""

from __future__ import annotations

import numpy as np

from ingest.audio.resample import StreamResampler, resample_pcm16
from simulator.speech import speak


def _streamed(pcm: bytes, stream: StreamResampler | None = None, chunk: int = 320) -> bytes:
    stream = stream or StreamResampler(8000, 16000)
    return b"".join(stream.feed(pcm[offset : offset + chunk]) for offset in range(0, len(pcm), chunk)) + (
        stream.flush()
    )


def test_a_stream_gives_the_same_samples_every_time() -> None:
    # soxr's int16 output dithers from a seed of the clock and the stream's address:
    # two streams alive at once (as on two calls) turned the same audio into different samples.
    pcm = speak("my broadband has been down since friday", "caller")
    first, second = StreamResampler(8000, 16000), StreamResampler(8000, 16000)
    assert _streamed(pcm, first) == _streamed(pcm, second)


def test_a_stream_matches_the_whole_buffer_conversion() -> None:
    pcm = speak("i want to speak to a manager", "agent")
    streamed = np.frombuffer(_streamed(pcm), dtype=np.int16).astype(np.float64)
    whole = np.frombuffer(resample_pcm16(pcm, 8000, 16000), dtype=np.int16).astype(np.float64)
    assert abs(len(streamed) - len(whole)) <= 2
    size = min(len(streamed), len(whole))
    error = streamed[:size] - whole[:size]
    assert np.sqrt(np.mean(error**2)) < 0.01 * np.sqrt(np.mean(whole**2))
