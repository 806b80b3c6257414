"""Calm callers' threats and harmless mentions: do the keyword rules tell them apart?

Each line of data/probes/keyword_threats.txt (threats and requests a supervisor
must see) and data/probes/keyword_harmless.txt (the same words in harmless
senses) is scored as the pipeline scores a caller's line and given to a fresh
alert engine (default settings) as the first line of a call: the caller is
calm, so only the word's sense decides. Prints how many lines raise
legal_threat or keyword_detected; the goal is every threat and no harmless line.

    python -m bench.keyword_probe             # the figures
    python -m bench.keyword_probe --details   # the threats missed and the harmless lines that fire

Both files were written blind to the code (round 17); the harmless one has been
read since, so its figure is a development figure.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from alerts.config import AlertSettings, load_alert_settings
from alerts.engine import AlertEngine
from ingest.analysis import analyse_text
from ingest.events import TranscriptSegment

PROBES = Path(__file__).resolve().parents[1] / "data" / "probes"
WORD_RULES = frozenset({"legal_threat", "keyword_detected"})


def probe_lines(name: str) -> list[str]:
    text = (PROBES / f"keyword_{name}.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def raises_a_word_alert(settings: AlertSettings, line: str) -> bool:
    """Whether `line`, said calmly as a call's first caller line, raises a keyword rule."""
    analysis = analyse_text(line)
    segment = TranscriptSegment(
        call_id="probe",
        speaker="caller",
        start=0.0,
        end=3.0,
        text=line,
        confidence=1.0,
        language="en",
        engine="oracle",
        sentiment_score=analysis.sentiment.score,
        sentiment_label=analysis.sentiment.label,
        keywords=analysis.keywords,
        profanity=analysis.profanity,
    )
    engine = AlertEngine(settings)
    engine.start_call("probe")
    verdict = engine.on_segment(segment)
    return verdict is not None and bool(WORD_RULES & set(verdict.rules))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="print the lines judged wrongly")
    args = parser.parse_args(argv)
    settings = load_alert_settings()
    for name, wanted in (("threats", True), ("harmless", False)):
        lines = probe_lines(name)
        wrong = [line for line in lines if raises_a_word_alert(settings, line) != wanted]
        fired = len(wrong) if not wanted else len(lines) - len(wrong)
        print(
            f"{name:9} {fired:4d} of {len(lines)} raise a keyword alert (goal: {'all' if wanted else 'none'})"
        )
        if args.details:
            for line in wrong:
                print(f"    {'missed' if wanted else 'fires '}  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
