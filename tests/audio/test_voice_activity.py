"""The voice detectors on real speech: every frame decided once, in order, and
Silero's network run only where speech can be."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.audio.resample import resample_pcm16
from ingest.audio.voice_activity import (
    SILERO_BATCH_WINDOWS,
    SILERO_QUIET_WINDOWS_BEFORE_SKIP,
    NoiseFloorGate,
    SileroDetector,
    WebRtcDetector,
)
from simulator.speech import speak

GAP = bytes(8000 * 2)  # 1 s of silence at 8 kHz


def _frames(pcm: bytes, rate: int = 8000) -> list[bytes]:
    size = rate * 2 // 50
    return [pcm[offset : offset + size] for offset in range(0, len(pcm) - size + 1, size)]


def _decide(detector: SileroDetector | WebRtcDetector, frames: list[bytes]) -> list[bool]:
    decisions: list[bool] = []
    for frame in frames:
        decisions += detector.feed(frame)
    return decisions + detector.flush()


def _speech_with_gaps() -> bytes:
    return (
        GAP
        + speak("i want to cancel my account right now", "caller")
        + GAP
        + speak("yes please", "caller")
        + GAP
    )


@pytest.mark.parametrize("rate", [8000, 16000])
def test_silero_decides_every_frame_once_and_hears_the_speech(rate: int) -> None:
    pcm = _speech_with_gaps()
    if rate != 8000:
        pcm = resample_pcm16(pcm, 8000, rate)
    frames = _frames(pcm, rate)
    decisions = _decide(SileroDetector(rate), frames)
    assert len(decisions) == len(frames)
    speech = [index * 0.02 for index, voiced in enumerate(decisions) if voiced]
    assert speech, "the lines were heard"
    assert 0.9 < speech[0] < 1.5, "speech starts after the first second of silence"
    assert not any(decisions[:40]), "the leading silence is silence"
    assert not any(decisions[-40:]), "so is the trailing one"


def test_silero_is_not_run_after_half_a_second_of_silence() -> None:
    detector = SileroDetector(8000)
    decisions = _decide(detector, _frames(GAP * 10))
    assert decisions == [False] * 500
    # Run until the line has sat at its floor for SILERO_QUIET_WINDOWS_BEFORE_SKIP windows, then not.
    assert detector.runs * SILERO_BATCH_WINDOWS <= SILERO_QUIET_WINDOWS_BEFORE_SKIP + SILERO_BATCH_WINDOWS
    assert detector.runs_skipped * SILERO_BATCH_WINDOWS >= 250


def test_silero_skips_the_gaps_between_lines_but_not_the_lines() -> None:
    detector = SileroDetector(8000)
    _decide(detector, _frames(_speech_with_gaps()))
    # 3 s of gaps, each 1 s: the last half of each is skipped; the lines themselves are judged.
    assert detector.runs_skipped >= 4
    assert detector.runs >= 10


def test_silero_gives_the_same_decisions_on_the_same_audio() -> None:
    frames = _frames(_speech_with_gaps())
    assert _decide(SileroDetector(8000), frames) == _decide(SileroDetector(8000), frames)


def test_webrtc_decides_each_frame_at_once() -> None:
    detector = WebRtcDetector(2, 8000)
    line = _frames(speak("can i speak to your supervisor please", "agent"))
    assert [len(detector.feed(frame)) for frame in line] == [1] * len(line)
    assert detector.flush() == []
    assert any(detector.decide(frame) for frame in line)


def test_noise_floor_gate_opens_for_speech_over_steady_hiss() -> None:
    rng = np.random.default_rng(3)
    hiss = (rng.standard_normal(8000 * 6) * 200).astype(np.int16).tobytes()
    gate = NoiseFloorGate()
    assert not any(gate.passes(frame) for frame in _frames(hiss)[50:]), "the floor alone never passes"
    loud = (np.frombuffer(speak("hello", "caller"), dtype=np.int16).astype(np.int32) * 2).clip(-32768, 32767)
    assert any(gate.passes(frame) for frame in _frames(loud.astype(np.int16).tobytes()))


def test_noise_floor_gate_drops_what_is_far_below_the_speaker() -> None:
    """1 s of quiet, 3 s of a speaker, then 3 s of sound 15 dB below them (background
    talk while they listen): only the speaker-level check tells the last apart."""
    rng = np.random.default_rng(5)

    def sound(seconds: float, rms: float) -> list[bytes]:
        samples = rng.standard_normal(int(8000 * seconds)) * rms
        return _frames(samples.clip(-32768, 32767).astype(np.int16).tobytes())

    track = sound(1, 20) + sound(3, 3000) + sound(3, 3000 * 10 ** (-15 / 20))
    checked, unchecked = NoiseFloorGate(speaker_range_db=12), NoiseFloorGate(speaker_range_db=0)
    heard = [(checked.passes(frame), unchecked.passes(frame)) for frame in track]
    speaker, behind = heard[50:200], heard[200:]
    assert all(a and b for a, b in speaker[10:]), "the speaker passes both"
    assert not any(a for a, _ in behind[10:]), "15 dB below the speaker is not their speech"
    assert all(b for _, b in behind[:50]), "the floor (the first second's quiet) alone lets it through"
