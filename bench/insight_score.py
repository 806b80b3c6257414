"""Scoring one end-to-end run of bench/insight: what the worker stored against the truth.

Pure functions only (the runner in bench/insight_e2e.py does the I/O): each
stored segment is aligned to the true line it overlaps most on the call
clock, then the figures are tallied per line and per (call, rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from alerts.compliance import UNVERIFIED
from alerts.config import AlertSettings
from alerts.engine import alert_for, replay_call
from bench.asr import normalize, word_errors
from bench.insight import Tally, keywords_in
from bench.insight_corpus import Call
from bench.insight_render import RenderedLine
from ingest.analysis import spot_profanity
from ingest.analysis.sentiment import label_for
from ingest.events import AlertRaised, TranscriptSegment

MAX_GAP_S = 1.0
"""A segment that overlaps no line of its speaker belongs to the nearest one within this."""


@dataclass
class WordErrors:
    errors: int = 0
    words: int = 0

    def add(self, reference: str, hypothesis: str) -> None:
        truth = normalize(reference)
        self.errors += word_errors(truth, normalize(hypothesis))
        self.words += len(truth)

    @property
    def rate(self) -> float:
        return self.errors / self.words if self.words else 0.0


@dataclass
class EndToEndReport:
    """The figures of one condition (clean, noise15, quiet6) over the calls run."""

    rules: dict[str, Tally] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)
    quiet_calls: int = 0
    quiet_alerted: list[str] = field(default_factory=list)
    wer: WordErrors = field(default_factory=WordErrors)
    wer_by_voice: dict[str, WordErrors] = field(default_factory=dict)
    keywords: Tally = field(default_factory=Tally)
    profanity: Tally = field(default_factory=Tally)
    sign_agree: int = 0
    caller_lines: int = 0
    lines: int = 0
    utterances: int = 0
    lines_unheard: int = 0
    stray_segments: int = 0
    unverified: list[str] = field(default_factory=list)
    """Calls with a `disclosure_unverified` notice: scored apart from the alerts (it
    claims nothing went wrong); "(missing)" marks the ones that really lacked it."""
    not_transcribed: list[str] = field(default_factory=list)
    """One sentence per call the engine could not transcribe (language)."""
    details: list[str] = field(default_factory=list)

    @property
    def utterances_per_line(self) -> float:
        return self.utterances / self.lines if self.lines else 0.0

    @property
    def sign_agreement(self) -> float:
        return self.sign_agree / self.caller_lines if self.caller_lines else 1.0


def align(
    lines: Sequence[RenderedLine], segments: Sequence[TranscriptSegment], *, max_gap: float = MAX_GAP_S
) -> tuple[list[list[TranscriptSegment]], list[TranscriptSegment]]:
    """The segments of each line (in order), and those that belong to no line.

    A segment belongs to the line of its speaker (any line for a mixed
    stream's "unknown") that it overlaps most; failing any overlap, to the
    nearest such line within `max_gap` seconds.
    """
    per_line: list[list[TranscriptSegment]] = [[] for _ in lines]
    strays: list[TranscriptSegment] = []
    for segment in sorted(segments, key=lambda s: s.start):
        candidates = [
            index
            for index, line in enumerate(lines)
            if segment.speaker == "unknown" or line.who == segment.speaker
        ]
        best = _best_line(lines, candidates, segment, max_gap)
        if best is None:
            strays.append(segment)
        else:
            per_line[best].append(segment)
    return per_line, strays


def _best_line(
    lines: Sequence[RenderedLine], candidates: list[int], segment: TranscriptSegment, max_gap: float
) -> int | None:
    def overlap(index: int) -> float:
        line = lines[index]
        return min(line.end, segment.end) - max(line.start, segment.start)

    if not candidates:
        return None
    best = max(candidates, key=overlap)  # without overlap, the least negative is the nearest line
    return best if overlap(best) >= -max_gap else None


def realert(
    settings: AlertSettings, call_id: str, segments: Sequence[TranscriptSegment]
) -> list[AlertRaised]:
    """The alerts the current rules raise over a call's stored segments (audio-time order, then its end).

    Stands in for the alerts a run stored, so a rule change is measured on
    recorded recognition without sending the audio again.
    """
    return [
        alert_for(f"{call_id}-{index}", call_id, verdict, segment, segment.start if segment else 0.0)
        for index, (verdict, segment) in enumerate(replay_call(settings, call_id, list(segments)))
    ]


def heard_text(segments: Sequence[TranscriptSegment]) -> str:
    return " ".join(segment.text for segment in segments if segment.transcribed).strip()


def heard_label(segments: Sequence[TranscriptSegment]) -> str | None:
    """The line's sentiment as recognised: the label of its segments' mean score (None: unheard)."""
    scored = [segment.sentiment_score for segment in segments if segment.transcribed]
    return label_for(sum(scored) / len(scored)) if scored else None


def score_call(
    report: EndToEndReport,
    settings: AlertSettings,
    call: Call,
    lines: Sequence[RenderedLine],
    segments: Sequence[TranscriptSegment],
    alerts: Sequence[AlertRaised],
    *,
    transcribable: bool,
) -> None:
    """Add one call's stored segments and alerts to `report`."""
    fired = {rule for alert in alerts for rule in alert.rules if rule != UNVERIFIED}
    if any(UNVERIFIED in alert.rules for alert in alerts):
        report.unverified.append(call.id + (" (missing)" if "missing_disclosure" in call.expect else ""))
    if not transcribable:
        reasons = sorted({s.not_transcribed for s in segments if s.not_transcribed})
        texts = [s.text for s in segments if s.transcribed and s.text]
        verdict = "raised nothing" if not fired else f"RAISED {sorted(fired)}"
        said = "; ".join(f"not transcribed: {reason}" for reason in reasons) or "no not-transcribed segment"
        extra = f"; {len(texts)} segments with text {texts[:2]}" if texts else ""
        report.not_transcribed.append(f"{call.id}: {said} ({len(segments)} segments){extra}; {verdict}")
        return
    for rule in call.expect | fired:
        report.rules.setdefault(rule, Tally()).add(call.expect & {rule}, fired & {rule})
    report.overall.add(call.expect, fired)
    if call.quiet:
        report.quiet_calls += 1
        if fired:
            report.quiet_alerted.append(call.id)
    per_line, strays = align(lines, segments)
    report.stray_segments += len(strays)
    notes = []
    for truth, rendered, heard in zip(call.lines, lines, per_line, strict=True):
        text = heard_text(heard)
        spotted = " ".join(word.word for segment in heard for word in segment.spotted)
        report.lines += 1
        report.utterances += len(heard)
        report.lines_unheard += not heard
        report.wer.add(truth.say, text)
        report.wer_by_voice.setdefault(rendered.voice, WordErrors()).add(truth.say, text)
        # A spot of a word the text says inside a context exception ("account
        # manager") is that harmless word, as the rules and the segment read it.
        in_text = keywords_in(settings, text)
        excepted = keywords_in(settings, text, exceptions=()) - in_text
        found_keywords = in_text | (keywords_in(settings, spotted) - excepted)
        report.keywords.add(truth.keywords, found_keywords)
        found_profanity = {word for segment in heard for word in segment.profanity} | set(
            spot_profanity(text)
        )
        report.profanity.add(truth.profanity, found_profanity)
        label = heard_label(heard)
        if truth.who == "caller":
            report.caller_lines += 1
            report.sign_agree += label == truth.label
        if truth.keywords != found_keywords or truth.profanity != found_profanity:
            notes.append(
                f"      {rendered.start:5.1f}s {truth.who:6} {rendered.voice:22} true: {truth.say!r}\n"
                f"      {'':36} heard: {text!r} (kw {sorted(found_keywords)} vs {sorted(truth.keywords)})"
            )
    if fired != call.expect:
        report.details.append(
            f"  {call.id} ({call.kind}): missed {sorted(call.expect - fired)}, false {sorted(fired - call.expect)}"
        )
        for alert in alerts:
            report.details.append(
                f"    alert {alert.speaker:7} {alert.level:8} {'; '.join(alert.reasons)} on {alert.text!r}"
            )
        for truth, rendered, heard in zip(call.lines, lines, per_line, strict=True):
            report.details.append(
                f"      {rendered.start:5.1f}s {truth.who:6} {truth.feel:4} true: {truth.say!r}\n"
                f"      {'':18} heard: {heard_text(heard)!r} ({heard_label(heard) or 'unheard'})"
            )
    elif notes:
        report.details.append(f"  {call.id} ({call.kind}): alerts right; keyword/profanity misses:")
        report.details.extend(notes)
    for stray in strays:
        report.details.append(f"      stray {stray.start:5.1f}s {stray.speaker}: {stray.text!r}")
