"""How far a supervisor can trust callmon's alerts: the labelled-corpus bench.

Runs the analysis and the alert rules (SPEC.md's table, default settings)
over the calls of data/insight/calls.toml on their true words ("oracle"
mode: what the rules and the lexicon do when speech-to-text is perfect) and
prints, per rule and overall, alert recall and precision at the level of
(call, rule), the false alerts on quiet calls, keyword and profanity
recall/precision per line, and the caller lines' sentiment sign agreement
with a person's label.

    python -m bench.insight                 # the figures (from the repository root)
    python -m bench.insight --details       # every miss and false alert, by call
    python -m bench.insight --check-labels  # hand-written expectations vs the line labels
    python -m bench.insight --corpus data/insight/heldout.toml  # another corpus (held out)
    python -m bench.insight --no-dispute-context  # the caller's mood without the dispute context

Goals (issue 11), on true words: alert recall >= 0.97, precision >= 0.97,
caller-line sign agreement >= 0.85. The same calls spoken, phoned into a
real worker and recognised: bench/insight_e2e.py (it prints these figures
beside its own).
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from alerts.config import AlertSettings, load_alert_settings
from alerts.engine import AlertEngine
from bench.insight_corpus import CORPUS, Call, Line, derived_alerts, load_corpus
from ingest.analysis import analyse_text, mood, spot_keywords, spot_profanity
from ingest.events import TranscriptSegment

GOAL_ALERTS = 0.97
GOAL_SIGN = 0.85


@dataclass
class Tally:
    hit: int = 0
    missed: int = 0
    false: int = 0

    def add(self, expected: Iterable[str], found: Iterable[str]) -> None:
        wanted, got = set(expected), set(found)
        self.hit += len(wanted & got)
        self.missed += len(wanted - got)
        self.false += len(got - wanted)

    @property
    def recall(self) -> float:
        return self.hit / (self.hit + self.missed) if self.hit + self.missed else 1.0

    @property
    def precision(self) -> float:
        return self.hit / (self.hit + self.false) if self.hit + self.false else 1.0


@dataclass
class Report:
    rules: dict[str, Tally] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)
    keywords: Tally = field(default_factory=Tally)
    profanity: Tally = field(default_factory=Tally)
    sign_agree: int = 0
    caller_lines: int = 0
    quiet_calls: int = 0
    quiet_alerted: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


def segments(call: Call) -> list[TranscriptSegment]:
    """The call's lines as the pipeline would publish them, scored on the English words."""
    found = []
    for line in call.lines:
        analysis = analyse_text(line.say)
        found.append(
            TranscriptSegment(
                call_id=call.id,
                speaker="unknown" if call.mixed else line.who,  # type: ignore[arg-type]
                start=line.start,
                end=line.end,
                text=line.original or line.say,
                confidence=1.0,
                language=line.lang,
                engine="oracle",
                sentiment_score=analysis.sentiment.score,
                sentiment_label=analysis.sentiment.label,
                keywords=analysis.keywords,
                profanity=analysis.profanity,
                translation=line.say if line.original else None,
            )
        )
    return found


def fired_rules(settings: AlertSettings, call: Call) -> tuple[set[str], list[str]]:
    """The rules that fired on `call`, and a line per alert for --details."""
    engine = AlertEngine(settings)
    engine.start_call(call.id)
    fired: set[str] = set()
    log = []
    for segment in segments(call):
        verdict = engine.on_segment(segment)
        if verdict is not None:
            fired.update(verdict.rules)
            log.append(
                f"    {segment.start:5.1f}s {segment.speaker:7} {verdict.level:8} {'; '.join(verdict.reasons)}"
            )
    verdict = engine.end_call(call.id)
    if verdict is not None:
        fired.update(verdict.rules)
        log.append(f"    end           {verdict.level:8} {'; '.join(verdict.reasons)}")
    return fired, log


def alert_keywords(settings: AlertSettings, line: Line) -> set[str]:
    return keywords_in(settings, line.say)


def keywords_in(settings: AlertSettings, text: str, exceptions: tuple[str, ...] | None = None) -> set[str]:
    """The alert keywords (both keyword rules' lists, as the rules match them) said in
    `text`; `exceptions` None means the settings' context exceptions."""
    found: set[str] = set()
    for rule in (settings.keyword_detected, settings.legal_threat):
        found.update(
            spot_keywords(
                text,
                rule.keywords,
                settings.exceptions if exceptions is None else exceptions,
                rule.synonyms,
                inflect=rule.inflections,
                tolerant=rule.tolerant,
            )
        )
    return found


def evaluate(settings: AlertSettings, calls: list[Call]) -> Report:
    report = Report()
    for call in calls:
        fired, log = fired_rules(settings, call)
        for rule in call.expect | fired:
            report.rules.setdefault(rule, Tally()).add(call.expect & {rule}, fired & {rule})
        report.overall.add(call.expect, fired)
        if call.quiet:
            report.quiet_calls += 1
            if fired:
                report.quiet_alerted.append(call.id)
        if fired != call.expect:
            report.details.append(
                f"  {call.id} ({call.kind}): missed {sorted(call.expect - fired)}, false {sorted(fired - call.expect)}"
            )
            report.details.extend(log)
        for line in call.lines:
            report.keywords.add(line.keywords, alert_keywords(settings, line))
            report.profanity.add(line.profanity, spot_profanity(line.say))
            if line.who == "caller":
                report.caller_lines += 1
                report.sign_agree += analyse_text(line.say).sentiment.label == line.label
    return report


def print_report(report: Report, calls: list[Call], *, details: bool) -> None:
    print(
        f"bench/insight on true words (oracle): {len(calls)} calls, {sum(len(c.lines) for c in calls)} lines"
    )
    print(f"  {'rule':24} {'expected':>8} {'fired':>6} {'recall':>7} {'precision':>9}")
    for rule in sorted(report.rules):
        tally = report.rules[rule]
        expected, fired = tally.hit + tally.missed, tally.hit + tally.false
        print(f"  {rule:24} {expected:8d} {fired:6d} {tally.recall:7.3f} {tally.precision:9.3f}")
    overall = report.overall
    print(
        f"  {'overall':24} {overall.hit + overall.missed:8d} {overall.hit + overall.false:6d}"
        f" {overall.recall:7.3f} {overall.precision:9.3f}"
        f"   (goal >= {GOAL_ALERTS} / {GOAL_ALERTS})"
    )
    print(
        f"  quiet calls with an alert: {len(report.quiet_alerted)} of {report.quiet_calls}"
        + (f" ({', '.join(report.quiet_alerted)})" if report.quiet_alerted else "")
    )
    print(f"  keywords:  recall {report.keywords.recall:.3f}  precision {report.keywords.precision:.3f}")
    print(f"  profanity: recall {report.profanity.recall:.3f}  precision {report.profanity.precision:.3f}")
    agreement = report.sign_agree / report.caller_lines if report.caller_lines else 1.0
    print(
        f"  caller-line sentiment sign agreement: {agreement:.3f}"
        f" ({report.sign_agree}/{report.caller_lines}, goal >= {GOAL_SIGN})"
    )
    if details and report.details:
        print("calls where the alerts differ from a person's:")
        print("\n".join(report.details))


def check_labels(calls: list[Call]) -> int:
    """Hand-written expectations against what the line labels imply; 0 when they agree."""
    disagreements = 0
    for call in calls:
        derived = derived_alerts(call)
        if derived != call.expect:
            disagreements += 1
            print(f"  {call.id}: written {sorted(call.expect)}; the labels imply {sorted(derived)}")
    kinds = Counter(call.kind for call in calls)
    print(
        f"{len(calls)} calls ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}); {disagreements} disagree"
    )
    return disagreements


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="print every call whose alerts differ")
    parser.add_argument(
        "--check-labels", action="store_true", help="check the expectations against the labels"
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=CORPUS,
        help="the corpus file (default data/insight/calls.toml; data/insight/heldout.toml is held out)",
    )
    parser.add_argument(
        "--no-dispute-context",
        action="store_true",
        help="score the caller's mood without the dispute context (the figures before issue 11's change)",
    )
    args = parser.parse_args(argv)
    calls = load_corpus(args.corpus)
    if args.check_labels:
        return 1 if check_labels(calls) else 0
    # The engine reads the mood module's default; the flag swaps it for this run only.
    with_context = mood.DISPUTE_CONTEXT
    mood.DISPUTE_CONTEXT = with_context and not args.no_dispute_context
    try:
        report = evaluate(load_alert_settings(env={}), calls)
    finally:
        mood.DISPUTE_CONTEXT = with_context
    print_report(report, calls, details=args.details)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
