"""Voice-activity segmentation on clean and noisy calls: Silero against webrtcvad.

Every bundled call script is rendered to two 8 kHz tracks (flite voices), then
each track is segmented as it is, with steady hiss and with babble (other
voices talking underneath, the background of a busy call centre) at 20, 15
and 10 dB SNR below the speaker, and through a sharp telephone band (sox
`sinc 300-3400`: nothing of the voice's fundamental left below 300 Hz, as a
steep G.712 channel filter leaves it; alone and under 15 dB babble). Printed
per engine and condition:

- utterances per true line (1.0 is ideal: above, lines are split; below,
  lines are merged or missed),
- lines found (a line counts when an utterance overlaps it),
- spurious utterances: ones that overlap no line (noise taken for speech),
- utterances cut by the length cap instead of by silence (a segmenter that
  hears speech in the noise never closes an utterance),
- median utterance length, and speech share: the part of the utterances' time
  that falls on the speaker's own lines (with 0.2 s either side). Under
  babble a segmenter that takes the room's talk for the speaker's keeps
  utterances open past the line, and the recogniser turns that stretch into
  invented words,
- onset error: where the utterance that covers most of a line starts, minus
  where the line's voice starts (first 10 ms above 3 % of its peak level),
  p50 and p95 in ms: positive means the start of the line was cut off (lost
  words), the pre-roll padding makes a good onset some -100..-200 ms,
- with `--words` (clean and band conditions only; pocketsphinx is slow):
  first words lost, of the lines whose first word pocketsphinx hears in the
  line's own stretch of audio (voice onset - 0.3 s to its end + 0.3 s), those
  where it is not among the first three words heard in the utterance that
  covers the line (or no utterance does),
- CPU per second of audio, per track.

    python -m bench.vad
    python -m bench.vad --words   # also first words lost (pocketsphinx)
    python -m bench.vad --threshold 0.5 --release-threshold 0.35   # Silero as it was before issue 11
    python -m bench.vad --speaker-range-db 0   # without the speaker-level check
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time
from dataclasses import dataclass, field, replace

import numpy as np

from ingest.asr.sphinx import SphinxRecognizer
from ingest.audio.resample import resample_pcm16
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
CONDITIONS: tuple[tuple[str, float | None, str | None, bool], ...] = (
    ("clean", None, None, False),
    *((kind, snr, kind, False) for kind in ("hiss", "babble") for snr in (20, 15, 10)),
    ("band", None, None, True),
    ("band+babble", 15, "babble", True),
)
"""(label, SNR in dB, noise kind, sharp telephone band)"""
RATE = 8000
LINE_MARGIN_S = 0.2
"""Utterance time this close to a line of the speaker counts as on the line (speech share)."""


@dataclass
class Tally:
    lines: int = 0
    utterances: int = 0
    found: int = 0
    capped: int = 0
    spurious: int = 0
    first_checked: int = 0
    first_lost: int = 0
    onset_errors: list[float] = field(default_factory=list)
    utterance_s: list[float] = field(default_factory=list)
    on_lines_s: float = 0.0
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


def sharp_telephone_band(pcm: bytes) -> bytes:
    """300-3400 Hz with sox's steep windowed-sinc filter (a brick wall, unlike G.712's slopes).

    `-D`: no dither, which sox adds with a random seed: every run hears the same audio."""
    sox = shutil.which("sox")
    if sox is None:
        raise SystemExit("sox is not installed: apt-get install sox")
    raw = ["-t", "raw", "-e", "signed-integer", "-b", "16", "-c", "1", "-r", str(RATE)]
    done = subprocess.run(
        [sox, "-D", *raw, "-", *raw, "-", "sinc", "300-3400"], input=pcm, capture_output=True, check=True
    )
    return done.stdout


def voice_onset(pcm: bytes, line: SpokenLine) -> float:
    """Where `line`'s voice starts in the clean track: first 10 ms above 3 % of its peak level."""
    samples = np.frombuffer(pcm, dtype=np.int16)[int(line.start * RATE) : int(line.end * RATE)]
    step = RATE // 100
    frames = samples[: len(samples) // step * step].astype(np.float64).reshape(-1, step)
    levels = np.sqrt(np.mean(frames * frames, axis=1))
    if not len(levels):
        return line.start
    return line.start + int(np.argmax(levels > 0.03 * levels.max())) * 0.01


def segment(pcm: bytes, settings: VadSettings) -> tuple[list[SpeechSpan], float]:
    track = TrackSegmenter(settings, 8000)
    spans: list[SpeechSpan] = []
    started = time.process_time()
    for offset in range(0, len(pcm), 320):
        spans += track.feed(pcm[offset : offset + 320], offset / 16000)
    spans += track.flush()
    return spans, time.process_time() - started


class FirstWordCheck:
    """Is a line's first word heard at the start of a stretch of audio? (pocketsphinx, cached)"""

    def __init__(self) -> None:
        self._recognizer = SphinxRecognizer()
        self._heard: dict[tuple[bytes, str], bool] = {}

    def heard(self, pcm: bytes, line: SpokenLine) -> bool:
        first = line.text.split()[0].lower().strip(",.?!")
        key = (pcm, first)
        if key not in self._heard:
            words = self._recognizer.recognize(resample_pcm16(pcm, RATE)).text.lower().split()
            self._heard[key] = first in words[:3]
        return self._heard[key]

    def reference(self, pcm: bytes, clean: bytes, line: SpokenLine) -> bytes:
        start = max(0.0, voice_onset(clean, line) - 0.3)
        return pcm[int(start * RATE) * 2 : int((line.end + 0.3) * RATE) * 2]


def score(
    tally: Tally,
    spans: list[SpeechSpan],
    lines: list[SpokenLine],
    clean: bytes,
    max_s: float,
    words: tuple[FirstWordCheck, bytes] | None = None,
) -> None:
    tally.lines += len(lines)
    tally.utterances += len(spans)
    tally.capped += sum(s.end - s.start >= max_s - 0.05 for s in spans)
    tally.spurious += sum(not any(s.start < line.end and s.end > line.start for line in lines) for s in spans)
    for span in spans:
        tally.utterance_s.append(span.end - span.start)
        tally.on_lines_s += sum(
            max(0.0, min(span.end, line.end + LINE_MARGIN_S) - max(span.start, line.start - LINE_MARGIN_S))
            for line in lines
        )
    for line in lines:
        overlaps = [(min(s.end, line.end) - max(s.start, line.start), s) for s in spans]
        overlaps = [(length, s) for length, s in overlaps if length > 0]
        covering = max(overlaps, key=lambda pair: pair[0])[1] if overlaps else None
        if covering is not None:
            tally.found += 1
            tally.onset_errors.append(covering.start - voice_onset(clean, line))
        if words is not None:
            check, pcm = words
            if check.heard(check.reference(pcm, clean, line), line):
                tally.first_checked += 1
                tally.first_lost += covering is None or not check.heard(covering.pcm, line)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = VadSettings()
    parser.add_argument("--threshold", type=float, default=defaults.threshold, help="Silero: opens speech")
    parser.add_argument(
        "--release-threshold", type=float, default=defaults.release_threshold, help="Silero: closes speech"
    )
    parser.add_argument(
        "--speaker-range-db",
        type=float,
        default=defaults.speaker_range_db,
        help="Silero: frames this far below the speaker are background (0: off, as before)",
    )
    parser.add_argument("--words", action="store_true", help="also count first words lost (pocketsphinx)")
    args = parser.parse_args()
    check = FirstWordCheck() if args.words else None
    calls: list[CallAudio] = [render_call(script) for script in bundled_scripts()]
    max_s = VadSettings().max_utterance_s
    print(f"{len(calls)} calls, {sum(len(c.lines) for c in calls)} lines, two tracks each")
    print(
        f"Silero opens at {args.threshold:g}, releases below {args.release_threshold:g}, "
        f"speaker range {args.speaker_range_db:g} dB\n"
    )
    print(
        f"{'condition':<18} {'engine':<7} {'utt/line':>8} {'found':>7} {'spurious':>8} {'capped':>6} "
        f"{'median s':>8} {'speech':>6} {'onset p50':>9} {'onset p95':>9} {'1st lost':>8} "
        f"{'CPU ms per audio s':>19}"
    )
    for name, snr, kind, band in CONDITIONS:
        label = name if snr is None else f"{name} {snr:g} dB"
        for engine in ("silero", "webrtc"):
            tally = Tally()
            for index, call in enumerate(calls):
                for speaker, clean in (("agent", call.agent), ("caller", call.caller)):
                    pcm = sharp_telephone_band(clean) if band else clean
                    if kind is not None and snr is not None:
                        pcm = add_noise(pcm, kind, snr, seed=index * 2 + (speaker == "caller"))
                    settings = replace(
                        defaults,
                        engine=engine,
                        threshold=args.threshold,
                        release_threshold=args.release_threshold,
                        speaker_range_db=args.speaker_range_db,
                    )
                    spans, cpu = segment(pcm, settings)
                    own_lines = [line for line in call.lines if line.speaker == speaker]
                    words = (check, pcm) if check is not None and kind is None else None
                    score(tally, spans, own_lines, clean, max_s, words)
                    tally.cpu_s += cpu
                    tally.audio_s += len(pcm) / 16000
            p50, p95 = (
                (1000 * float(np.percentile(tally.onset_errors, q)) for q in (50, 95))
                if tally.onset_errors
                else (float("nan"), float("nan"))
            )
            lost = f"{tally.first_lost}/{tally.first_checked}" if tally.first_checked else "-"
            print(
                f"{label:<18} {engine:<7} {tally.utterances / tally.lines:8.2f} "
                f"{tally.found:3d}/{tally.lines:<3d} {tally.spurious:8d} {tally.capped:6d} "
                f"{float(np.median(tally.utterance_s)):8.2f} {tally.on_lines_s / sum(tally.utterance_s):6.2f} "
                f"{p50:9.0f} {p95:9.0f} {lost:>8} "
                f"{1000 * tally.cpu_s / tally.audio_s:19.2f}"
            )


if __name__ == "__main__":
    main()
