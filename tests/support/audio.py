"""Test audio: WAV files and synthetic voiced signals.

Real speech comes from simulator.speech (flite); what is here is for tests
that need a file on disk or sound that voice-activity detection takes for
speech without any speech engine involved.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from simulator.scripts import find_script
from simulator.timeline import render_call


def write_wav(path: Path, pcm: bytes, sample_rate: int, channels: int = 1) -> Path:
    """s16le PCM (interleaved when `channels` > 1) as a WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm)
    return path


def write_stereo_wav(path: Path, left: bytes, right: bytes, sample_rate: int) -> Path:
    """Two mono s16le tracks as one stereo WAV (shorter track padded with silence)."""
    a, b = np.frombuffer(left, dtype=np.int16), np.frombuffer(right, dtype=np.int16)
    length = max(len(a), len(b))
    a, b = np.pad(a, (0, length - len(a))), np.pad(b, (0, length - len(b)))
    return write_wav(path, np.column_stack([a, b]).astype("<i2").tobytes(), sample_rate, channels=2)


def write_call_recording(path: Path, script: str) -> Path:
    """A simulator script rendered as a recording: agent on the left, caller on the right."""
    audio = render_call(find_script(script))
    return write_stereo_wav(path, audio.agent, audio.caller, audio.sample_rate)


def voiced_tone(fundamental_hz: float, seconds: float, sample_rate: int = 8000) -> bytes:
    """A buzzing vowel-like sound (a harmonic series, syllable-rate loudness).

    webrtcvad calls every frame of it voiced, and its fundamental survives
    resampling, so a fake recognizer can tell utterances apart by pitch.
    """
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    wave_ = sum(np.sin(2 * np.pi * fundamental_hz * k * t) / k for k in range(1, 12))
    wave_ = wave_ * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t) ** 2)
    peak = float(np.abs(wave_).max()) or 1.0
    return (wave_ / peak * 8000).astype("<i2").tobytes()


def silence(seconds: float, sample_rate: int = 8000) -> bytes:
    return bytes(2 * int(seconds * sample_rate))


def dominant_frequency(pcm: bytes, sample_rate: int) -> float:
    """The strongest frequency in s16le PCM (the fundamental of a `voiced_tone`)."""
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    spectrum[0] = 0.0
    return float(np.fft.rfftfreq(len(samples), 1 / sample_rate)[int(np.argmax(spectrum))])
