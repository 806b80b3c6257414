"""Tune the offline engine's decoder on telephone speech it was not tuned against.

Sentences written for this purpose (data/sphinx_tuning/sentences.txt, kept
apart from bench/insight_e2e's labelled calls) are spoken by several voices,
sent through the same telephone path as the end-to-end bench (300-3400 Hz at
8 kHz, G.711 mu-law, resampled to 16 kHz as the worker does) and decoded by
pocketsphinx under each decoder configuration. It prints word error rate per
voice, per half and overall, and keyword recall and precision (alert
keywords and profanity said in the sentence, found in the transcript by the
same matchers the alert rules use).

The voices are split in two halves: choose a configuration on half A,
confirm it on half B; one that helps A but not B is fitted to those voices.

    python -m bench.sphinx_tuning                         # every configuration, both halves
    python -m bench.sphinx_tuning --configs default,lw10 --half A
    python -m bench.sphinx_tuning --spots                 # with the keyword-spotting pass
    python -m bench.sphinx_tuning --snr 15                # babble underneath, 15 dB down
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alerts.rules import DEFAULT_KEYWORD_RULE, DEFAULT_LEGAL_RULE
from bench.asr import normalize, word_errors
from bench.insight_render import synthesize
from bench.vad import add_noise
from ingest.analysis import spot_keywords, spot_profanity
from ingest.asr.sphinx import SphinxRecognizer
from ingest.audio.mulaw import decode_mulaw, encode_mulaw
from ingest.audio.resample import resample_pcm16

ROOT = Path(__file__).resolve().parents[1]
SENTENCES_FILE = ROOT / "data" / "sphinx_tuning" / "sentences.txt"
CACHE_DIR = ROOT / "data" / "cache" / "sphinx_tuning"
HALVES: dict[str, tuple[str, ...]] = {
    "A": ("flite:slt", "festival:kal_diphone", "espeak-ng:en-us", "espeak-ng:en-gb-x-rp+f3"),
    "B": ("flite:rms", "flite:kal16", "espeak-ng:en-gb-scotland+m3", "espeak-ng:en-us+f2"),
}
"""Each half mixes flite/festival and espeak-ng voices, male and female, US and British."""
KEYWORDS = tuple(dict.fromkeys(DEFAULT_KEYWORD_RULE.keywords + DEFAULT_LEGAL_RULE.keywords))
PAD_BEFORE_S = 0.2
PAD_AFTER_S = 0.5
"""Silence around a line, as the segmenter's padding and end silence leave it."""

CONFIGS: dict[str, dict[str, Any]] = {
    "default": {},
    "band130-3800": {"lowerf": 130, "upperf": 3800},
    "band200-3500": {"lowerf": 200, "upperf": 3500},
    "8k": {"samprate": 8000, "nfft": 256, "upperf": 3800},
    "lw8": {"lw": 8.0},
    "lw10": {"lw": 10.0},
    "lw5": {"lw": 5.0},
    "wide-beams": {"beam": 1e-60, "wbeam": 1e-40, "pbeam": 1e-60},
    "fillprob1e-4": {"fillprob": 1e-4},
    "silprob0.1": {"silprob": 0.1},
    "no-remove-noise": {"remove_noise": False},
}
"""One change from the model's defaults each (its feat.params: 25 filters over
130-6800 Hz, batch cepstral mean over the whole utterance, so `cmninit` has
no effect on whole utterances; noise removal on; lw 6.5). callmon's own default
(CALLMON_SPHINX_OPTIONS) is "no-remove-noise", the one change that helped both halves.
Under babble at 15 dB (`--snr 15`, every other sentence) it is a wash on words
(WER 0.807 against 0.810) and costs some keyword recall (0.31 against 0.35):
noise removal is worth its keep only in noise, and clean calls are the many."""


@dataclass(frozen=True, slots=True)
class Sample:
    voice: str
    text: str
    pcm16k: bytes


@dataclass(slots=True)
class Tally:
    words: int = 0
    errors: int = 0
    keywords_said: int = 0
    keywords_found: int = 0
    keywords_heard: int = 0
    """Keywords in transcripts (true or false)."""

    def add(self, other: Tally) -> None:
        self.words += other.words
        self.errors += other.errors
        self.keywords_said += other.keywords_said
        self.keywords_found += other.keywords_found
        self.keywords_heard += other.keywords_heard

    @property
    def wer(self) -> float:
        return self.errors / self.words if self.words else 0.0

    @property
    def recall(self) -> float:
        return self.keywords_found / self.keywords_said if self.keywords_said else 1.0

    @property
    def precision(self) -> float:
        return self.keywords_found / self.keywords_heard if self.keywords_heard else 1.0


@dataclass(slots=True)
class Result:
    config: str
    per_voice: dict[str, Tally] = field(default_factory=dict)
    seconds: float = 0.0

    def half(self, voices: Iterable[str]) -> Tally:
        total = Tally()
        for voice in voices:
            if voice in self.per_voice:
                total.add(self.per_voice[voice])
        return total


def load_sentences(path: Path = SENTENCES_FILE) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def alert_words(text: str, min_spot: float | None = None, spotted: Sequence[Any] = ()) -> set[str]:
    """Keywords and profanity in `text`, plus spots at `min_spot` closeness or more."""
    found = set(spot_keywords(text, KEYWORDS)) | set(spot_profanity(text))
    if min_spot is not None:
        for spot in spotted:
            if spot.confidence >= min_spot:
                found |= set(spot_keywords(spot.word, KEYWORDS))
    return found


def telephone_samples(
    voices: Iterable[str], sentences: list[str], snr_db: float | None = None
) -> list[Sample]:
    """Each sentence by each voice, through the telephone path, at 16 kHz; with
    `snr_db`, babble (other voices talking) underneath at that level below the speech."""
    samples = []
    for index, voice in enumerate(voices):
        for number, text in enumerate(sentences):
            pcm8k = synthesize(text, voice, CACHE_DIR)
            padded = bytes(int(PAD_BEFORE_S * 8000) * 2) + pcm8k + bytes(int(PAD_AFTER_S * 8000) * 2)
            if snr_db is not None:
                padded = add_noise(padded, "babble", snr_db, seed=1000 * index + number)
            padded = decode_mulaw(encode_mulaw(padded))
            samples.append(Sample(voice, text, resample_pcm16(padded, 8000)))
    return samples


def score(recognizer: SphinxRecognizer, sample: Sample, min_spot: float | None) -> Tally:
    heard = recognizer.recognize(sample.pcm16k)
    truth_words = normalize(sample.text)
    said = alert_words(sample.text)
    found = alert_words(heard.text, min_spot, heard.spotted)
    return Tally(
        words=len(truth_words),
        errors=word_errors(truth_words, normalize(heard.text)),
        keywords_said=len(said),
        keywords_found=len(said & found),
        keywords_heard=len(found),
    )


def run_config(
    name: str, options: dict[str, Any], samples: list[Sample], min_spot: float | None, jobs: int = 1
) -> Result:
    """Every sample decoded under `options`, by `jobs` processes (a decoder each)."""
    result = Result(name)
    started = time.monotonic()
    chunks = [samples[index::jobs] for index in range(jobs)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for tallies in pool.map(_score_chunk, [(options, chunk, min_spot) for chunk in chunks]):
            for voice, tally in tallies:
                result.per_voice.setdefault(voice, Tally()).add(tally)
    result.seconds = time.monotonic() - started
    return result


def _score_chunk(work: tuple[dict[str, Any], list[Sample], float | None]) -> list[tuple[str, Tally]]:
    options, chunk, min_spot = work
    keywords = KEYWORDS if min_spot is not None else ()
    recognizer = SphinxRecognizer(keywords=keywords, **options)
    return [(sample.voice, score(recognizer, sample, min_spot)) for sample in chunk]


def print_result(result: Result, halves: dict[str, tuple[str, ...]]) -> None:
    print(f"\n{result.config}  ({result.seconds:.0f} s)")
    for half, voices in halves.items():
        for voice in voices:
            tally = result.per_voice.get(voice)
            if tally is not None:
                print(f"  {half}  {voice:30s} WER {tally.wer:.3f}  kw recall {tally.recall:.3f}")
    print_summary_row(result, halves)


def print_summary_row(result: Result, halves: dict[str, tuple[str, ...]]) -> None:
    cells = []
    for half, voices in halves.items():
        tally = result.half(voices)
        if tally.words:
            cells.append(f"{half}: WER {tally.wer:.3f} kwR {tally.recall:.3f} kwP {tally.precision:.3f}")
    total = result.half(result.per_voice)
    cells.append(f"all: WER {total.wer:.3f} kwR {total.recall:.3f} kwP {total.precision:.3f}")
    print(f"  {result.config:18s} " + " | ".join(cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--configs", default=",".join(CONFIGS), help="comma list of configurations")
    parser.add_argument("--half", choices=("A", "B", "both"), default="both")
    parser.add_argument(
        "--spots",
        type=float,
        nargs="?",
        const=0.85,
        default=None,
        help="also run the keyword-spotting pass; count spots at this closeness (default 0.85)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="decoding processes")
    parser.add_argument("--every", type=int, default=1, help="every Nth sentence only (a quicker screen)")
    parser.add_argument(
        "--snr", type=float, default=None, help="babble underneath at this many dB below the speech"
    )
    args = parser.parse_args(argv)
    halves = HALVES if args.half == "both" else {args.half: HALVES[args.half]}
    sentences = load_sentences()[:: args.every]
    samples = telephone_samples(
        [voice for voices in halves.values() for voice in voices], sentences, args.snr
    )
    noise = f", babble at {args.snr:g} dB SNR" if args.snr is not None else ""
    print(f"{len(sentences)} sentences x {len(samples) // len(sentences)} voices{noise}")
    results = []
    for name in args.configs.split(","):
        result = run_config(name, CONFIGS[name], samples, args.spots, args.jobs)
        print_result(result, halves)
        results.append(result)
    print("\nsummary")
    for result in results:
        print_summary_row(result, halves)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
