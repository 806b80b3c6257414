"""How close must a keyword spot sound to the transcript's words to count?

The keyword-spotting pass (ingest/asr/sphinx_keywords.py) keeps a spot only
when the language model's words over the same stretch sound like it
(closeness = 1 - phone edit distance / keyword phones, at least
1 - MAX_PHONE_DISTANCE), and the alert rules count spots at
`min_spot_confidence`. This bench decodes bench/sphinx_tuning's sentences
(fresh call-centre speech, several voices through the telephone path, kept
apart from bench/insight_e2e) with every spot kept down to a closeness of
0.5, and prints keyword recall and precision (transcript words plus spots at
each threshold), overall and for short and long keywords apart, per half of
the voices: choose on A, confirm on B.

    python -m bench.sphinx_spot_threshold --jobs 2
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from bench.sphinx_tuning import HALVES, KEYWORDS, Sample, alert_words, load_sentences, telephone_samples
from ingest.analysis import spot_keywords
from ingest.asr import sphinx_keywords
from ingest.asr.sphinx import SphinxRecognizer
from ingest.settings import IngestSettings, parse_decoder_options

DEFAULT_OPTIONS: str = IngestSettings.model_fields["sphinx_options"].default
LOOSEST = 0.5
THRESHOLDS = (0.5, 0.6, 0.67, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0)
SHORT_PHONES = 6
"""Keywords of at most this many phones count as short ("court", "refund")."""


@dataclass(frozen=True, slots=True)
class Observation:
    voice: str
    said: frozenset[str]
    in_text: frozenset[str]
    spots: tuple[tuple[str, float, int], ...]
    """(keyword, closeness, the spoken form's phones)."""


def observe(options: dict[str, Any], samples: list[Sample], jobs: int) -> list[Observation]:
    chunks = [samples[index::jobs] for index in range(jobs)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return [item for part in pool.map(_observe_chunk, [(options, c) for c in chunks]) for item in part]


def _observe_chunk(work: tuple[dict[str, Any], list[Sample]]) -> list[Observation]:
    options, chunk = work
    sphinx_keywords.MAX_PHONE_DISTANCE = 1 - LOOSEST  # keep every spot; thresholds are applied after
    recognizer = SphinxRecognizer(keywords=KEYWORDS, **options)
    decoder = recognizer._decoder()
    found = []
    for sample in chunk:
        heard = recognizer.recognize(sample.pcm16k)
        spots: list[tuple[str, float, int]] = []
        for spot in heard.spotted:
            phones = len(str(decoder.lookup_word(spot.word.split()[0]) or "").split())
            spots.extend((keyword, spot.confidence, phones) for keyword in spot_keywords(spot.word, KEYWORDS))
        found.append(
            Observation(
                sample.voice,
                frozenset(alert_words(sample.text)),
                frozenset(alert_words(heard.text)),
                tuple(spots),
            )
        )
    return found


def figures(observations: Iterable[Observation], short_at: float, long_at: float) -> tuple[float, float]:
    """(recall, precision) of transcript words plus spots at the thresholds."""
    said = correct = heard = 0
    for item in observations:
        found = set(item.in_text)
        for keyword, closeness, phones in item.spots:
            if closeness >= (short_at if phones <= SHORT_PHONES else long_at):
                found.add(keyword)
        said += len(item.said)
        correct += len(found & item.said)
        heard += len(found)
    return (correct / said if said else 1.0, correct / heard if heard else 1.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--every", type=int, default=1, help="every Nth sentence only")
    parser.add_argument("--options", default=None, help="decoder options (default: the settings default)")
    args = parser.parse_args(argv)
    options = parse_decoder_options(args.options if args.options is not None else DEFAULT_OPTIONS)
    sentences = load_sentences()[:: args.every]
    voices = [voice for half in HALVES.values() for voice in half]
    observations = observe(options, telephone_samples(voices, sentences), args.jobs)
    print(f"{len(sentences)} sentences, options {options or 'model defaults'}")
    for half, half_voices in HALVES.items():
        mine = [item for item in observations if item.voice in half_voices]
        text_only = figures(mine, 2.0, 2.0)  # no spot reaches 2
        print(f"\nhalf {half}: transcript alone  recall {text_only[0]:.3f}  precision {text_only[1]:.3f}")
        print("  short\\long " + " ".join(f"{long_at:>11.2f}" for long_at in THRESHOLDS))
        for short_at in THRESHOLDS:
            cells = (figures(mine, short_at, long_at) for long_at in THRESHOLDS)
            print(f"  {short_at:9.2f}  " + " ".join(f"{r:.2f}/{p:.2f}  " for r, p in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
