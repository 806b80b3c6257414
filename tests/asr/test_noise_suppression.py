"""The spectral noise suppressor (ingest.audio.denoise) on real speech with noise added."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ingest.audio.denoise import SuppressionSettings, suppress_noise

RATE = 16_000


def espeak(text: str, tmp: Path) -> np.ndarray:
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        raise RuntimeError("espeak-ng and sox are needed (apt-get install espeak-ng sox)")
    wav, raw = tmp / "line.wav", tmp / "line.raw"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), text], check=True, capture_output=True)
    subprocess.run(
        ["sox", str(wav), "-r", str(RATE), "-e", "signed", "-b", "16", "-c", "1", "-t", "raw", str(raw)],
        check=True,
        capture_output=True,
    )
    return np.fromfile(raw, dtype="<i2").astype(np.float64)


@pytest.fixture(scope="module")
def sentence(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """Half a second of silence, a spoken sentence, one second of silence."""
    speech = espeak("please cancel my account, i want my money back", tmp_path_factory.mktemp("speech"))
    return np.concatenate([np.zeros(RATE // 2), speech, np.zeros(RATE)])


def hiss(samples: int, speech: np.ndarray, snr_db: float, seed: int = 7) -> np.ndarray:
    """Low-passed white noise `snr_db` below the speech's voiced level."""
    noise = np.convolve(np.random.default_rng(seed).standard_normal(samples), np.ones(4) / 4, mode="same")
    voiced = speech[np.abs(speech) > 100]
    return noise * np.sqrt(np.mean(voiced**2) / 10 ** (snr_db / 10) / np.mean(noise**2))


def pcm(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()


def samples_of(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2").astype(np.float64)


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples * samples)))


def test_noise_between_words_is_turned_down_and_speech_kept(sentence: np.ndarray) -> None:
    noise = hiss(sentence.size, sentence, snr_db=15)
    cleaned = samples_of(suppress_noise(pcm(sentence + noise), RATE))

    assert cleaned.size == sentence.size
    tail = slice(-RATE // 2, None)  # noise alone after the sentence
    assert rms(cleaned[tail]) < rms(noise[tail]) / 4  # at least 12 dB down
    # Nearer the clean sentence than the noisy one was.
    assert rms(cleaned - sentence) < 0.75 * rms(noise)
    spoken = slice(RATE // 2, -RATE)
    assert rms(cleaned[spoken]) > 0.7 * rms(sentence[spoken])


def test_clean_speech_is_left_exactly_as_it_was(sentence: np.ndarray) -> None:
    clean = pcm(sentence)
    assert suppress_noise(clean, RATE) == clean
    # A faint hiss far below the speech (a good line) changes nothing either.
    faint = pcm(sentence + hiss(sentence.size, sentence, snr_db=45))
    assert suppress_noise(faint, RATE) == faint


def test_the_same_audio_always_gives_the_same_result(sentence: np.ndarray) -> None:
    noisy = pcm(sentence + hiss(sentence.size, sentence, snr_db=10))
    first = suppress_noise(noisy, RATE)
    suppress_noise(pcm(sentence + hiss(sentence.size, sentence, snr_db=5, seed=3)), RATE)
    assert suppress_noise(noisy, RATE) == first


def test_too_short_audio_is_returned_unchanged() -> None:
    short = pcm(np.random.default_rng(1).standard_normal(800) * 1000)
    assert suppress_noise(short, RATE) == short
    assert suppress_noise(b"", RATE) == b""


def test_the_gain_floor_bounds_how_far_noise_is_turned_down(sentence: np.ndarray) -> None:
    noise = hiss(sentence.size, sentence, snr_db=15)
    noisy = pcm(sentence + noise)
    tail = slice(-RATE // 2, None)
    gentle = samples_of(suppress_noise(noisy, RATE, SuppressionSettings(gain_floor_db=-6.0)))
    deep = samples_of(suppress_noise(noisy, RATE, SuppressionSettings(gain_floor_db=-30.0)))
    assert rms(deep[tail]) < rms(gentle[tail])
    assert rms(gentle[tail]) > rms(noise[tail]) / 10 ** (9 / 20)  # not much below the -6 dB floor
