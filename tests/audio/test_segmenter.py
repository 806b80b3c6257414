"""The voice-activity segmenter: pure state machine, then on real speech."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.audio.segmenter import TrackSegmenter, UtteranceSegmenter, trimmed_to_speaker
from ingest.settings import VadSettings
from simulator.speech import speak

FRAME = bytes(320)  # 20 ms at 8 kHz
SETTINGS = VadSettings(end_silence_ms=600, max_utterance_s=3.0, min_speech_ms=200, padding_ms=200)


def _run(pattern: str, settings: VadSettings = SETTINGS) -> list:
    """Feed a pattern of voiced (#) and silent (.) 20 ms frames; spans out."""
    segmenter = UtteranceSegmenter(settings, 8000)
    spans = []
    for index, mark in enumerate(pattern):
        span = segmenter.push(FRAME, mark == "#", index * 0.02)
        if span:
            spans.append(span)
    if (last := segmenter.flush()) is not None:
        spans.append(last)
    return spans


def test_speech_between_silences_is_one_utterance_with_padding() -> None:
    spans = _run("." * 50 + "#" * 100 + "." * 50)
    assert len(spans) == 1
    span = spans[0]
    # Speech starts at frame 50 (1.0 s); up to 200 ms of padding is kept before it.
    assert 0.75 <= span.start <= 1.0
    assert abs(span.voiced_end - 3.0) < 1e-9
    assert 3.0 <= span.end <= 3.2 + 1e-9
    assert len(span.pcm) == round((span.end - span.start) / 0.02) * 320


def test_short_pause_does_not_split_long_pause_does() -> None:
    assert len(_run("#" * 40 + "." * 20 + "#" * 40 + "." * 40)) == 1  # 400 ms pause
    assert len(_run("#" * 40 + "." * 35 + "#" * 40 + "." * 40)) == 2  # 700 ms pause


def test_blips_shorter_than_min_speech_are_ignored() -> None:
    assert _run("." * 20 + "#" * 5 + "." * 60 + "##" + "." * 60) == []


def test_long_speech_is_cut_at_max_length_on_audio_time() -> None:
    spans = _run("#" * 400 + "." * 40)  # 8 s of speech, max 3 s
    assert len(spans) == 3
    assert all(s.end - s.start <= 3.0 + 0.2 + 1e-9 for s in spans)
    assert spans[0].end <= spans[1].start + 1e-9


def test_speech_until_the_end_is_flushed() -> None:
    spans = _run("." * 10 + "#" * 30)
    assert len(spans) == 1 and spans[0].end >= 0.8


@pytest.mark.parametrize("engine", ["silero", "webrtc"])
def test_real_speech_turns_are_found_at_their_times(engine: str) -> None:
    first = speak("i want to cancel my account right now", "caller")
    second = speak("can i speak to your supervisor please", "caller")
    gap = bytes(8000 * 2)  # 1 s of silence
    pcm = gap + first + gap + second + gap
    track = TrackSegmenter(VadSettings(engine=engine), 8000)
    spans = []
    for offset in range(0, len(pcm), 480):  # 30 ms chunks: not frame-aligned on purpose
        spans += track.feed(pcm[offset : offset + 480], offset / 16000)
    spans += track.flush()
    assert len(spans) == 2
    first_end = 1.0 + len(first) / 16000
    assert abs(spans[0].start - 1.0) < 0.35 and abs(spans[0].voiced_end - first_end) < 0.35
    assert spans[1].start > first_end + 0.5


@pytest.mark.parametrize("engine", ["silero", "webrtc"])
def test_whole_frames_and_odd_chunks_cut_the_same_utterances(engine: str) -> None:
    """Whole 20 ms frames skip the re-framing buffer; mixing them with odd chunks
    (a gap, a resent half frame) must cut exactly what the buffered path cuts."""
    gap = bytes(8000 * 2)
    pcm = gap + speak("thanks for calling how can i help", "agent") + gap + speak("yes please", "agent") + gap

    def cut(chunk_sizes: list[int]) -> list[tuple[float, float, bytes]]:
        track = TrackSegmenter(VadSettings(engine=engine), 8000)
        spans, offset, turn = [], 0, 0
        while offset < len(pcm):
            size = chunk_sizes[turn % len(chunk_sizes)]
            spans += track.feed(pcm[offset : offset + size], offset / 16000)
            offset += size
            turn += 1
        spans += track.flush()
        return [(round(s.start, 3), round(s.end, 3), s.pcm) for s in spans]

    whole_frames = cut([320])
    assert len(whole_frames) == 2
    assert cut([320, 320, 100, 540, 320]) == whole_frames
    assert cut([480]) == whole_frames


def test_rates_webrtcvad_cannot_take_are_resampled() -> None:
    tone = (np.sin(np.arange(24000) * 2 * np.pi * 300 / 24000) * 8000).astype(np.int16).tobytes()
    track = TrackSegmenter(VadSettings(engine="webrtc", aggressiveness=0), 24000)
    assert track.sample_rate == 16000
    spans = track.feed(tone, 0.0) + track.flush()
    assert spans and spans[0].sample_rate == 16000


def _with_noise(pcm: bytes, snr_db: float, seed: int) -> bytes:
    """Pink-ish (low-passed white) noise at `snr_db` below the speech's power."""
    speech = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    rng = np.random.default_rng(seed)
    noise = np.convolve(rng.standard_normal(len(speech)), np.ones(4) / 4, mode="same")
    voiced = speech[np.abs(speech) > 100]
    speech_power = float(np.mean(voiced**2))
    noise *= np.sqrt(speech_power / (10 ** (snr_db / 10)) / float(np.mean(noise**2)))
    return np.clip(speech + noise, -32768, 32767).astype(np.int16).tobytes()


@pytest.mark.parametrize("seed", [1, 2])
def test_silero_closes_utterances_in_15_db_noise(seed: int) -> None:
    lines = ("my broadband has been down since friday", "i have called three times already")
    gap = bytes(8000 * 2 * 3 // 2)  # 1.5 s between turns
    clean = gap + speak(lines[0], "caller") + gap + speak(lines[1], "agent") + gap
    track = TrackSegmenter(VadSettings(engine="silero"), 8000)
    noisy = _with_noise(clean, 15.0, seed)
    spans = []
    for offset in range(0, len(noisy), 320):
        spans += track.feed(noisy[offset : offset + 320], offset / 16000)
    spans += track.flush()
    assert len(spans) == 2, [(round(s.start, 2), round(s.end, 2)) for s in spans]
    assert all(span.end - span.start < 6.0 for span in spans), "closed by silence, not by the length cap"


def _background_talk(samples: int, level_db: float, reference: bytes) -> np.ndarray:
    """Other people talking on and on (a busy room), `level_db` below `reference`'s speech."""
    talk = [
        np.frombuffer(speak(text, voice), dtype=np.int16).astype(np.float64)
        for text, voice in (
            ("the delivery should arrive on tuesday morning and we will call you first", "unknown"),
            ("could you spell the postcode for me please and the house number", "agent"),
        )
    ]
    out = np.zeros(samples)
    for index, voice in enumerate(talk):
        cursor = 1200 * index
        while cursor < samples:
            end = min(samples, cursor + len(voice))
            out[cursor:end] += voice[: end - cursor]
            cursor = end + 1600
    speech = np.frombuffer(reference, dtype=np.int16).astype(np.float64)
    voiced = speech[np.abs(speech) > 100]
    return out * np.sqrt(
        float(np.mean(voiced**2)) / 10 ** (level_db / 10) / float(np.mean(out[out != 0] ** 2))
    )


def _cut(pcm: bytes, settings: VadSettings) -> list[tuple[float, float]]:
    track = TrackSegmenter(settings, 8000)
    spans = []
    for offset in range(0, len(pcm), 320):
        spans += track.feed(pcm[offset : offset + 320], offset / 16000)
    spans += track.flush()
    return [(round(span.start, 2), round(span.end, 2)) for span in spans]


@pytest.mark.parametrize("line", ["my broadband has been down since friday", "i want to speak to a manager"])
def test_a_line_ends_when_the_speaker_stops_although_others_talk_behind_them(line: str) -> None:
    """Babble 15 dB under the caller, who speaks, then listens for 6 s (the agent is on
    the other track) while the room goes on talking: the caller's utterance ends with
    their line, instead of running on through the babble to the length cap."""
    spoken = speak(line, "caller")
    lead, listening = 8000 * 2, 8000 * 2 * 6
    clean = np.zeros((lead + len(spoken) + listening) // 2)
    clean[lead // 2 : (lead + len(spoken)) // 2] = np.frombuffer(spoken, dtype=np.int16)
    noisy = clean + _background_talk(len(clean), 15.0, spoken)
    pcm = np.clip(noisy, -32768, 32767).astype(np.int16).tobytes()
    line_end = (lead + len(spoken)) / 16000

    spans = _cut(pcm, VadSettings(engine="silero"))
    covering = [span for span in spans if span[0] < line_end and span[1] > lead / 16000]
    assert len(covering) == 1, spans
    assert covering[0][1] < line_end + 1.0, f"the line ends at {line_end:.2f} s: {spans}"
    # Without the speaker-level check the babble after the line is taken for their speech.
    unchecked = _cut(pcm, VadSettings(engine="silero", speaker_range_db=0))
    assert max(end for _, end in unchecked) > line_end + 2.0, unchecked


def test_trimming_leaves_a_quiet_line_as_it_is() -> None:
    voice = speak("thank you for calling how can i help", "agent")
    pcm = bytes(3200) + voice + bytes(6400)
    frames = [
        (index * 0.02, pcm[offset : offset + 320])
        for index, offset in enumerate(range(0, len(pcm) - 319, 320))
    ]
    assert trimmed_to_speaker(frames, trim_end=True) == frames


def test_trimming_cuts_long_quiet_stretches_around_the_speaker() -> None:
    voice = speak("i have called three times already", "caller")
    murmur = (np.sin(np.arange(8000 * 2) * 0.3) * 400).astype(np.int16).tobytes()  # 2 s, 25 dB down
    pcm = murmur + voice + murmur
    frames = [
        (index * 0.02, pcm[offset : offset + 320])
        for index, offset in enumerate(range(0, len(pcm) - 319, 320))
    ]
    kept = trimmed_to_speaker(frames, trim_end=True)
    assert 1.4 <= kept[0][0] <= 2.0, "starts at most 0.3 s (and a little) before the voice"
    voice_end = (len(murmur) + len(voice)) / 16000
    assert voice_end - 0.5 <= kept[-1][0] <= voice_end + 0.3
    assert trimmed_to_speaker(frames, trim_end=False)[-1] == frames[-1], "a cut mid-speech keeps its end"
