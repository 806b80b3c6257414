"""Speech-to-text on the labelled calls as the worker cuts them, without the worker.

The calls of bench/insight are rendered as bench/insight_e2e renders them
(bench/insight_render: voices, telephone band, babble at 15 dB for
`noise15`), each track is cut into utterances by the worker's own segmenter
(Silero VAD, the default settings) and every utterance goes to the engine
as the worker would hand it over. The words are aligned to the true lines
as the end-to-end bench aligns stored segments (bench/insight_score.align),
so the WER is the same figure, in a minute or two instead of twenty.

Where the errors come from is printed too: substitutions, deletions and
insertions, and of the inserted words those heard where the speaker said
nothing at all (background talk decoded as words) apart from those inside
their true lines, with the engine's confidence in each kind of word.

    python -m bench.asr_calls                                  # clean and noise15, every English call
    python -m bench.asr_calls --conditions noise15 --calls 12
    python -m bench.asr_calls --variant plain=remove_noise=no --variant wip=remove_noise=no,wip=1e-4
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from alerts.config import load_alert_settings
from alerts.rules import boost_keywords
from bench.asr import normalize
from bench.insight import Tally, keywords_in
from bench.insight_corpus import Call, load_corpus
from bench.insight_e2e import pick_calls
from bench.insight_render import CACHE_DIR, RATE, RenderedCall, render_call
from bench.insight_score import align
from ingest.asr import sphinx
from ingest.asr.sphinx import SphinxRecognizer
from ingest.audio import segmenter, voice_activity
from ingest.audio.resample import ASR_RATE, resample_pcm16
from ingest.audio.segmenter import TrackSegmenter
from ingest.events import Recognition, TranscriptSegment
from ingest.settings import IngestSettings, VadSettings, parse_decoder_options

FRAME_BYTES = RATE // 50 * 2
"""20 ms at 8 kHz: what Twilio and AudioSocket deliver per frame."""
SPEECH_MARGIN_S = 0.2
"""A heard word this close to a true line of its speaker counts as inside that line."""
CONFIDENCE_SWEEP = (0.0, 0.05, 0.1, 0.2, 0.3)


@dataclass(frozen=True, slots=True)
class Utterance:
    call_id: str
    speaker: str
    start: float
    end: float
    pcm8k: bytes


@dataclass
class Breakdown:
    """Word errors split by kind, and the confidences of each kind of heard word."""

    reference: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    confidences: dict[str, list[float]] = field(default_factory=dict)
    keywords: Tally = field(default_factory=Tally)

    def add(self, kind: str, confidence: float | None = None) -> None:
        self.counts[kind] += 1
        if confidence is not None:
            self.confidences.setdefault(kind, []).append(confidence)

    @property
    def errors(self) -> int:
        return self.counts["sub"] + self.counts["del"] + self.counts["ins"]

    def rate(self, kind: str | None = None) -> float:
        count = self.errors if kind is None else self.counts[kind]
        return count / self.reference if self.reference else 0.0


def cut_utterances(rendered: RenderedCall, mixed: bool, vad: VadSettings) -> list[Utterance]:
    """Each track cut as the worker cuts it: 20 ms frames through its segmenter (cached)."""
    tracks = {"unknown": _mix(rendered.agent, rendered.caller)} if mixed else {
        "agent": rendered.agent, "caller": rendered.caller}  # fmt: skip
    key = hashlib.sha256(repr((vad, sorted(tracks))).encode())
    for module in (segmenter, voice_activity):  # the cuts change with the code, not only the settings
        key.update(Path(module.__file__ or "").read_bytes())
    for pcm in tracks.values():
        key.update(hashlib.sha256(pcm).digest())
    cached = CACHE_DIR / "cuts" / f"{key.hexdigest()[:24]}.json"
    if cached.exists():
        spans = json.loads(cached.read_text())
    else:
        spans = []
        for speaker, pcm in tracks.items():
            track = TrackSegmenter(vad, RATE)
            found = []
            for offset in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES):
                found += track.feed(pcm[offset : offset + FRAME_BYTES], offset / 2 / RATE)
            found += track.flush()
            spans += [(speaker, span.start, span.end) for span in found]
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(spans))
    return [
        Utterance(
            rendered.call_id,
            speaker,
            start,
            end,
            tracks[speaker][int(start * RATE) * 2 : int(end * RATE) * 2],
        )
        for speaker, start, end in spans
    ]


def _mix(agent: bytes, caller: bytes) -> bytes:
    total = np.frombuffer(agent, dtype=np.int16).astype(np.int32) + np.frombuffer(caller, dtype=np.int16)
    return np.clip(total, -32768, 32767).astype(np.int16).tobytes()


_engine: Any = None
_engine_key = ""


def _start_engine(options: dict[str, Any], keywords: tuple[str, ...]) -> None:
    """The decoder with `options` (pocketsphinx's), in this decoding process."""
    global _engine, _engine_key
    code = Path(sphinx.__file__ or "").read_bytes()
    _engine_key = repr((sorted(options.items()), keywords, hashlib.sha256(code).hexdigest()))
    _engine = SphinxRecognizer(keywords=keywords, **options)


def _recognize(pcm8k: bytes) -> tuple[Recognition, float]:
    """One utterance, or what an earlier run of the same engine settings made of it (a run
    stopped half way keeps what it did; the CPU time is the first run's)."""
    key = hashlib.sha256(_engine_key.encode() + pcm8k).hexdigest()[:32]
    cached = CACHE_DIR / "recognitions" / f"{key}.pickle"
    if cached.exists():
        return pickle.loads(cached.read_bytes())  # type: ignore[no-any-return]  # written below
    began = time.process_time()
    recognition = _engine.recognize(resample_pcm16(pcm8k, RATE, ASR_RATE))
    done = (recognition, time.process_time() - began)
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.with_suffix(f".{os.getpid()}").write_bytes(pickle.dumps(done))
    cached.with_suffix(f".{os.getpid()}").replace(cached)
    return done


def recognize_all(
    utterances: Sequence[Utterance], options: dict[str, Any], keywords: tuple[str, ...], jobs: int
) -> tuple[list[Recognition], float]:
    """Every utterance through a fresh engine per process; the results and CPU seconds spent."""
    with ProcessPoolExecutor(jobs, initializer=_start_engine, initargs=(options, keywords)) as pool:
        done = list(pool.map(_recognize, [u.pcm8k for u in utterances], chunksize=1))
    return [recognition for recognition, _ in done], sum(cpu for _, cpu in done)


def as_segment(utterance: Utterance, recognition: Recognition, min_confidence: float) -> TranscriptSegment:
    words = tuple(word for word in recognition.words if word.confidence >= min_confidence)
    return TranscriptSegment(
        call_id=utterance.call_id,
        speaker=utterance.speaker,  # type: ignore[arg-type]  # "agent", "caller" or "unknown"
        start=utterance.start,
        end=utterance.end,
        text=" ".join(word.word for word in words),
        confidence=recognition.confidence,
        language="en",
        engine="sphinx",
        sentiment_score=0.0,
        sentiment_label="neutral",
        words=words,
        spotted=recognition.spotted,
    )


def score(
    calls: Sequence[tuple[Call, RenderedCall]], segments: Sequence[TranscriptSegment], keywords_of: Any
) -> Breakdown:
    by_call: dict[str, list[TranscriptSegment]] = {}
    for segment in segments:
        by_call.setdefault(segment.call_id, []).append(segment)
    result = Breakdown()
    for call, rendered in calls:
        per_line, strays = align(rendered.lines, by_call.get(call.id, []))
        result.counts["stray words"] += sum(len(s.words) for s in strays)
        for truth, heard in zip(call.lines, per_line, strict=True):
            timed = [
                (
                    token,
                    word.confidence,
                    _inside(rendered, segment, segment.start + word.start, segment.start + word.end),
                )
                for segment in heard
                for word in segment.words
                for token in normalize(word.word)
            ]
            reference = normalize(truth.say)
            result.reference += len(reference)
            for kind, index in alignment(reference, [token for token, _, _ in timed]):
                if index is None:
                    result.add(kind)
                    continue
                _, confidence, inside = timed[index]
                result.add(kind, confidence)
                if kind == "ins":
                    result.add("ins inside a line" if inside else "ins outside any line", confidence)
            text = " ".join(token for token, _, _ in timed)
            spotted = " ".join(word.word for segment in heard for word in segment.spotted)
            result.keywords.add(truth.keywords, keywords_of(f"{text} {spotted}"))
    return result


def _inside(rendered: RenderedCall, segment: TranscriptSegment, start: float, end: float) -> bool:
    return any(
        min(end, line.end + SPEECH_MARGIN_S) > max(start, line.start - SPEECH_MARGIN_S)
        for line in rendered.lines
        if segment.speaker == "unknown" or line.who == segment.speaker
    )


def alignment(reference: list[str], hypothesis: list[str]) -> list[tuple[str, int | None]]:
    """A minimal word alignment: ("ok" | "sub" | "ins", hypothesis index) or ("del", None) per step."""
    rows, cols = len(reference) + 1, len(hypothesis) + 1
    cost = [[i + j if i == 0 or j == 0 else 0 for j in range(cols)] for i in range(rows)]
    for i in range(1, rows):
        for j in range(1, cols):
            cost[i][j] = min(
                cost[i - 1][j] + 1,
                cost[i][j - 1] + 1,
                cost[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]),
            )
    steps: list[tuple[str, int | None]] = []
    i, j = rows - 1, cols - 1
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]):
            steps.append(("ok" if reference[i - 1] == hypothesis[j - 1] else "sub", j - 1))
            i, j = i - 1, j - 1
        elif j and cost[i][j] == cost[i][j - 1] + 1:
            steps.append(("ins", j - 1))
            j -= 1
        else:
            steps.append(("del", None))
            i -= 1
    return steps[::-1]


def print_breakdown(label: str, result: Breakdown, cpu_s: float, audio_s: float) -> None:
    counts = result.counts
    print(
        f"  {label:34} WER {result.rate():.3f} (sub {result.rate('sub'):.3f} del {result.rate('del'):.3f} "
        f"ins {result.rate('ins'):.3f}: outside lines {result.rate('ins outside any line'):.3f}, "
        f"inside {result.rate('ins inside a line'):.3f}) keyword recall {result.keywords.recall:.3f} "
        f"precision {result.keywords.precision:.3f}; {counts['ok']} right, {counts['stray words']} stray words; "
        f"CPU {cpu_s / audio_s * 1000:.0f} ms per utterance second",
        flush=True,
    )


def print_confidences(result: Breakdown) -> None:
    for kind in ("ok", "sub", "ins inside a line", "ins outside any line"):
        values = result.confidences.get(kind, [])
        if not values:
            continue
        below = "  ".join(
            f"<{cut}: {sum(v < cut for v in values) / len(values):.2f}" for cut in (0.05, 0.1, 0.3)
        )
        print(
            f"    {kind:22} {len(values):5d} words, median confidence {statistics.median(values):.3f}   {below}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--conditions", default="clean,noise15")
    parser.add_argument("--calls", type=int, default=None, help="N calls spread over the corpus")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=OPTIONS",
        help="a named set of pocketsphinx options (key=value,...); repeatable; default: the worker's",
    )
    parser.add_argument("--jobs", type=int, default=1, help="decoding processes")
    parser.add_argument("--sweep", action="store_true", help="also score with low-confidence words dropped")
    parser.add_argument(
        "--no-spotting", action="store_true", help="skip the keyword-spotting pass (WER only, twice as fast)"
    )
    args = parser.parse_args(argv)

    settings = IngestSettings.from_env()  # as the worker reads them: CALLMON_VAD_... apply
    variants = [v.split("=", 1) for v in args.variant] or [["worker", settings.sphinx_options]]
    alert_settings = load_alert_settings(env={})
    keywords = () if args.no_spotting else boost_keywords(alert_settings.segment_rules)
    english = [c for c in load_corpus() if all(line.lang == "en" for line in c.lines)]
    calls = pick_calls(english, args.calls)
    print(f"{len(calls)} English calls, {os.cpu_count()} CPUs, {args.jobs} decoding process(es)", flush=True)
    for condition in args.conditions.split(","):
        rendered = [(call, render_call(call, condition)) for call in calls]
        utterances = [u for call, r in rendered for u in cut_utterances(r, call.mixed, settings.vad)]
        audio_s = sum(len(u.pcm8k) / 2 / RATE for u in utterances)
        print(f"\n{condition}: {len(utterances)} utterances, {audio_s:.0f} s", flush=True)
        for name, options in variants:
            recognitions, cpu_s = recognize_all(
                utterances, parse_decoder_options(options), keywords, args.jobs
            )
            for cut in CONFIDENCE_SWEEP if args.sweep else (0.0,):
                segments = [as_segment(u, r, cut) for u, r in zip(utterances, recognitions, strict=True)]
                result = score(rendered, segments, lambda text: keywords_in(alert_settings, text))
                label = name if cut == 0 else f"{name}, words < {cut} dropped"
                print_breakdown(label, result, cpu_s, audio_s)
                if cut == 0:
                    print_confidences(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
