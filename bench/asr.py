"""Speech-to-text benchmark: real-time factor and word error rate per engine.

Speaks the call scripts in data/scripts/*.txt with flite (agent voice awb,
caller rms), squeezes every line through 8 kHz G.711 mu-law as a phone call
would, and hands each line to each available engine as one utterance.

    python -m bench.asr                       # sphinx + every local Whisper
    python -m bench.asr --whisper-model PATH  # add a converted model folder
    python -m bench.asr --deepgram-fake       # also Deepgram's code path,
                                              # against the local test server

RTF = processing seconds / audio seconds (below 1 keeps up with live audio,
per CPU the engine uses). WER = (substitutions + deletions + insertions) /
reference words, over all lines of all scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.asr.base import EngineUnavailable
from ingest.asr.whisper_bundled import MODEL_PACKAGES, packaged_model_folder
from ingest.audio.mulaw import decode_mulaw, encode_mulaw
from ingest.audio.resample import ASR_RATE, resample_pcm16
from simulator.scripts import CallScript, load_script
from simulator.speech import TELEPHONE_RATE, speak

ROOT = Path(__file__).resolve().parents[1]

TINY_RANDOM = ROOT / "data" / "models" / "whisper-tiny-random"
WHISPER_SIZES = (
    "tiny.en",
    "tiny",
    "base.en",
    "base",
    "small.en",
    "small",
    "medium.en",
    "medium",
    "large-v3",
    "distil-large-v3",
    "large-v3-turbo",
)


@dataclass(frozen=True)
class Line:
    script: str
    reference: str
    pcm8k: bytes
    """After the mu-law round trip: what a telephony adapter hands over."""

    @property
    def seconds(self) -> float:
        return len(self.pcm8k) / 2 / TELEPHONE_RATE


@dataclass
class Score:
    engine: str
    note: str
    audio_s: float = 0.0
    busy_s: float = 0.0
    errors: int = 0
    words: int = 0
    lines: int = 0

    def add(self, reference: str, hypothesis: str, audio_s: float, busy_s: float) -> None:
        ref = normalize(reference)
        self.errors += word_errors(ref, normalize(hypothesis))
        self.words += len(ref)
        self.audio_s += audio_s
        self.busy_s += busy_s
        self.lines += 1


def normalize(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Levenshtein distance over words."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word)))
        previous = current
    return previous[-1]


def telephone_lines(scripts: list[CallScript]) -> list[Line]:
    lines = []
    for script in scripts:
        for line in script.lines:
            pcm = decode_mulaw(encode_mulaw(speak(line.text, line.speaker)))
            lines.append(Line(script.name, line.text, pcm))
    return lines


def bench_utterance_engine(engine: Any, label: str, note: str, lines: list[Line]) -> Score:
    score = Score(label, note)
    engine.recognize(resample_pcm16(lines[0].pcm8k, TELEPHONE_RATE, ASR_RATE))  # warm-up
    for line in lines:
        pcm16k = resample_pcm16(line.pcm8k, TELEPHONE_RATE, ASR_RATE)
        began = time.perf_counter()
        result = engine.recognize(pcm16k)
        score.add(line.reference, result.text, line.seconds, time.perf_counter() - began)
    return score


async def bench_deepgram_fake(lines: list[Line]) -> Score:
    """Deepgram's real SDK and our stream code; the server is the test fake
    (pocketsphinx inside), so the WER says nothing about Deepgram itself."""
    sys.path.insert(0, str(ROOT / "tests" / "asr"))
    from fake_deepgram import FakeDeepgram

    from ingest.asr.deepgram import DeepgramRecognizer

    score = Score("deepgram (local fake)", "SDK + protocol path; transcripts from pocketsphinx")
    server = await FakeDeepgram(api_key="bench").start()
    try:
        recognizer = DeepgramRecognizer("bench", encoding="mulaw", base_url=server.url)
        for script in dict.fromkeys(line.script for line in lines):
            script_lines = [line for line in lines if line.script == script]
            gap = bytes(TELEPHONE_RATE * 2)  # 1 s of silence ends each line
            began = time.perf_counter()
            stream = await recognizer.open_stream(TELEPHONE_RATE)
            for line in script_lines:
                await stream.send(line.pcm8k + gap)
            await stream.close()
            finals = [r.recognition.text async for r in _finals(stream)]
            busy = time.perf_counter() - began
            audio = sum(line.seconds + 1.0 for line in script_lines)
            score.add(" ".join(line.reference for line in script_lines), " ".join(finals), audio, busy)
    finally:
        await server.stop()
    score.lines = len(lines)
    return score


async def _finals(stream: Any):
    async for result in stream.results():
        if result.is_final:
            yield result


def local_whisper_models(extra: list[str]) -> list[tuple[str, str]]:
    """(model, note) for the test model, cached hub models and given folders."""
    found = [(str(TINY_RANDOM), "RANDOM weights (test model): its WER is meaningless")]
    found += [(size, "installed from the registry") for size in MODEL_PACKAGES if _packaged(size)]
    found += [(size, "hub cache") for size in WHISPER_SIZES if size not in MODEL_PACKAGES and _cached(size)]
    found += [(path, "given folder") for path in extra]
    return found


def _packaged(size: str) -> bool:
    try:
        return packaged_model_folder(size) is not None
    except EngineUnavailable:
        return False


def _cached(size: str) -> bool:
    try:
        from faster_whisper.utils import download_model

        download_model(size, local_files_only=True)
        return True
    except Exception:  # not cached (the hub's own error types vary)
        return False


def print_table(scores: list[Score], lines: list[Line]) -> None:
    audio = sum(line.seconds for line in lines)
    print(
        f"\n{len(lines)} lines from {len({line.script for line in lines})} scripts, "
        f"{audio:.1f} s of 8 kHz mu-law speech (flite awb = agent, rms = caller), "
        f"{os.cpu_count()} CPUs\n"
    )
    header = f"{'engine':<34} {'RTF':>7} {'WER':>7} {'audio s':>8} {'busy s':>8}  note"
    print(header)
    print("-" * len(header))
    for s in scores:
        rtf = s.busy_s / s.audio_s if s.audio_s else float("nan")
        wer = s.errors / s.words if s.words else float("nan")
        print(f"{s.engine:<34} {rtf:>7.3f} {wer:>6.1%} {s.audio_s:>8.1f} {s.busy_s:>8.2f}  {s.note}")
    print("\nRTF < 1 keeps up with live audio; one utterance per script line, one thread.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="speech-to-text RTF and WER on the call scripts")
    parser.add_argument(
        "--scripts", nargs="*", type=Path, default=sorted((ROOT / "data" / "scripts").glob("*.txt"))
    )
    parser.add_argument(
        "--whisper-model",
        action="append",
        default=[],
        help="a converted faster-whisper model folder (repeatable)",
    )
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--deepgram-fake",
        action="store_true",
        help="also run the Deepgram engine against the local fake server",
    )
    parser.add_argument("--no-sphinx", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # benchmark what is here, never download

    lines = telephone_lines([load_script(path) for path in args.scripts])
    runs: list[tuple[str, str, Callable[[], Any]]] = []
    if not args.no_sphinx:
        from ingest.asr.sphinx import SphinxRecognizer

        runs.append(("sphinx", "pocketsphinx en-us (in the wheel)", SphinxRecognizer))
    for model, note in local_whisper_models(args.whisper_model):
        from ingest.asr.whisper import WhisperRecognizer

        label = "whisper " + (Path(model).name.removeprefix("whisper-") if os.sep in model else model)
        runs.append(
            (label, note, lambda m=model: WhisperRecognizer(m, args.device, args.compute_type, language="en"))
        )
    scores = []
    for label, note, build in runs:
        try:
            engine = build()
        except EngineUnavailable as error:
            print(f"skipping {label}: {error}")
            continue
        print(f"running {label} ...", flush=True)
        scores.append(bench_utterance_engine(engine, label, note, lines))
    if args.deepgram_fake:
        print("running deepgram against the local fake ...", flush=True)
        scores.append(asyncio.run(bench_deepgram_fake(lines)))
    print_table(scores, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
