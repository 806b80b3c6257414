"""Voice-activity segmentation on clean and noisy calls: Silero against webrtcvad.

Every bundled call script is rendered to two 8 kHz tracks (flite voices), then
each track is segmented as it is, with steady hiss and with babble (other
voices talking underneath, the background of a busy call centre) at 20, 15
and 10 dB SNR below the speaker. Printed per engine and condition:

- utterances per true line (1.0 is ideal: above, lines are split; below,
  lines are merged or missed),
- lines found (a line counts when an utterance overlaps it),
- utterances cut by the length cap instead of by silence (a segmenter that
  hears speech in the noise never closes an utterance),
- CPU per second of audio, per track.

    python -m bench.vad
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from ingest.audio.segmenter import SpeechSpan, TrackSegmenter
from ingest.settings import VadSettings
from simulator.scripts import bundled_scripts
from simulator.speech import speak
from simulator.timeline import CallAudio, SpokenLine, render_call

BABBLE_LINES = (
    "yes i can hold for a moment thank you",
    "the delivery should arrive on tuesday morning",
    "could you spell the postcode for me please",
    "we will send a replacement card today",
    "let me check that order number again",
    "is there anything else i can help with",
)
CONDITIONS = (
    ("clean", None, None),
    *((kind, snr, kind) for kind in ("hiss", "babble") for snr in (20, 15, 10)),
)


@dataclass
class Tally:
    lines: int = 0
    utterances: int = 0
    found: int = 0
    capped: int = 0
    cpu_s: float = 0.0
    audio_s: float = 0.0


def _babble(samples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    voices = [
        np.frombuffer(speak(line, "unknown"), dtype=np.int16).astype(np.float64) for line in BABBLE_LINES
    ]
    out = np.zeros(samples)
    for _ in range(3):  # three talkers at once
        cursor = int(rng.integers(0, 8000))
        while cursor < samples:
            voice = voices[int(rng.integers(0, len(voices)))]
            end = min(samples, cursor + len(voice))
            out[cursor:end] += voice[: end - cursor]
            cursor = end + int(rng.integers(800, 4000))
    return out


def _hiss(samples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.convolve(rng.standard_normal(samples), np.ones(4) / 4, mode="same")


def add_noise(pcm: bytes, kind: str, snr_db: float, seed: int) -> bytes:
    speech = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    noise = _babble(len(speech), seed) if kind == "babble" else _hiss(len(speech), seed)
    voiced = speech[np.abs(speech) > 100]
    speech_power = float(np.mean(voiced**2)) if len(voiced) else 1.0
    noise *= np.sqrt(speech_power / (10 ** (snr_db / 10)) / max(float(np.mean(noise**2)), 1e-9))
    return np.clip(speech + noise, -32768, 32767).astype(np.int16).tobytes()


def segment(pcm: bytes, engine: str) -> tuple[list[SpeechSpan], float]:
    track = TrackSegmenter(VadSettings(engine=engine), 8000)
    spans: list[SpeechSpan] = []
    started = time.process_time()
    for offset in range(0, len(pcm), 320):
        spans += track.feed(pcm[offset : offset + 320], offset / 16000)
    spans += track.flush()
    return spans, time.process_time() - started


def score(tally: Tally, spans: list[SpeechSpan], lines: list[SpokenLine], max_s: float) -> None:
    tally.lines += len(lines)
    tally.utterances += len(spans)
    tally.found += sum(any(s.start < line.end and s.end > line.start for s in spans) for line in lines)
    tally.capped += sum(s.end - s.start >= max_s - 0.05 for s in spans)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.parse_args()
    calls: list[CallAudio] = [render_call(script) for script in bundled_scripts()]
    max_s = VadSettings().max_utterance_s
    print(f"{len(calls)} calls, {sum(len(c.lines) for c in calls)} lines, two tracks each\n")
    print(
        f"{'condition':<12} {'engine':<7} {'utt/line':>8} {'found':>7} {'capped':>6} {'CPU ms per audio s':>19}"
    )
    for name, snr, kind in CONDITIONS:
        label = name if snr is None else f"{name} {snr} dB"
        for engine in ("silero", "webrtc"):
            tally = Tally()
            for index, call in enumerate(calls):
                for speaker, pcm in (("agent", call.agent), ("caller", call.caller)):
                    if kind is not None and snr is not None:
                        pcm = add_noise(pcm, kind, snr, seed=index * 2 + (speaker == "caller"))
                    spans, cpu = segment(pcm, engine)
                    score(tally, spans, [line for line in call.lines if line.speaker == speaker], max_s)
                    tally.cpu_s += cpu
                    tally.audio_s += len(pcm) / 16000
            print(
                f"{label:<12} {engine:<7} {tally.utterances / tally.lines:8.2f} "
                f"{tally.found:3d}/{tally.lines:<3d} {tally.capped:6d} {1000 * tally.cpu_s / tally.audio_s:19.2f}"
            )


if __name__ == "__main__":
    main()
