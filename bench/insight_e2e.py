"""bench/insight end to end: the labelled calls spoken, phoned in, recognised and alerted on.

Every call of data/insight/calls.toml is rendered to 8 kHz telephone audio
(bench/insight_render.py: a voice per speaker, the calls' own times) under
each condition (clean; babble at 15 dB SNR; the caller 6 dB quieter) and
sent into a real ingest worker over the real protocols: Twilio Media
Streams with both tracks (signed, with the per-call stream token), every
third English call over AudioSocket split legs, the mixed recordings as
one AudioSocket stream. Non-English calls go over Twilio with their
language in `customParameters`, as a language menu would set it. The
stored segments and alerts are read back from the worker's database and
scored against the truth (bench/insight_score.py), beside the same calls'
figures on their true words ("oracle").

    python -m bench.insight_e2e                          # all calls, all conditions
    python -m bench.insight_e2e --calls 6 --conditions clean
    python -m bench.insight_e2e --details                # misses and false alerts, heard vs true
    python -m bench.insight_e2e --engine faster-whisper  # any engine the worker knows
    python -m bench.insight_e2e --conditions noise15 --keep runs/  # keep the run's database
    python -m bench.insight_e2e --conditions noise15 --rescore runs/insight-noise15.db
    python -m bench.insight_e2e --conditions noise15 --rescore runs/insight-noise15.db --realert
    python -m bench.insight_e2e --conditions noise15 --rescore runs/insight-noise15.db --realert --reread

--rescore scores the calls a run left in a database again (the alerts it
stored); with --realert the current alert rules judge the stored segments
instead (their word confidences and speakers, in audio-time order, then the
call's end), so a rule change is measured on recorded recognition, noisy
or clean, in seconds rather than a 20-minute run. With --reread the stored
words are read again too (sentiment, keywords and profanity, by the current
lexicon and line model, from the words or their stored translation, with the
engine's keyword spots kept), so a lexicon change is measured the same way:
recognition is deterministic, and the lexicon does not feed it.

A `disclosure_unverified` notice (the agent's first 30 s too unclear to judge
the disclosure) is counted apart from the alerts: it claims nothing went
wrong, only that the recording needs a listen.

Calls in a language the engine has no model for (pocketsphinx: English only)
are not scored for alerts; the bench checks that they raised nothing and
says why ("not transcribed: no model for es").

Audio is sent as fast as the sockets take it unless `--speed` paces it
(1.0 is real time).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from alerts.config import AlertSettings, load_alert_settings
from alerts.store import AlertStore
from app.worker import ComponentSettings, IngestWorker
from bench.asr import normalize, word_errors
from bench.insight import Report, Tally, evaluate
from bench.insight_corpus import Call, load_corpus
from bench.insight_render import CACHE_DIR, CONDITIONS, RenderedCall, RenderedLine, render_call
from bench.insight_score import EndToEndReport, align, heard_text, realert, score_call
from ingest.analysis import analyse_text
from ingest.events import AlertRaised, CallSummary, TranscriptSegment
from ingest.pipeline.session import merged_keywords
from ingest.pipeline.understanding import ANALYSIS_LANGUAGE
from ingest.settings import IngestSettings
from ingest.storage import CallStore
from simulator.dialing import Protocol, Target, dial_audiosocket, dial_twilio

GOAL_RECALL = 0.90
GOAL_PRECISION = 0.90
GOAL_KEYWORDS = 0.85
ENGINE_LANGUAGES: dict[str, frozenset[str]] = {"sphinx": frozenset({"en"})}
"""What each offline engine can transcribe; an engine not named here takes any language."""
CALL_END_TIMEOUT_S = 600.0
SEND_ATTEMPTS = 3
log = logging.getLogger("bench.insight_e2e")


@dataclass(frozen=True, slots=True)
class Outcome:
    call: Call
    protocol: Protocol
    lines: tuple[RenderedLine, ...]
    segments: list[TranscriptSegment]
    alerts: list[AlertRaised]
    call_id: str = ""
    """The worker's id of the call (its database's)."""
    ended_at: float | None = None
    """Seconds of audio from the call's start to its end, where known."""


def call_language(call: Call) -> str:
    """The language a caller would pick in a language menu: that of their first non-English line."""
    return next((line.lang for line in call.lines if line.who == "caller" and line.lang != "en"), "en")


def protocol_for(index: int, call: Call) -> Protocol:
    """Mixed recordings arrive as one AudioSocket stream; non-English calls over Twilio
    (AudioSocket cannot carry a language); every third other call over AudioSocket legs."""
    if call.mixed:
        return "audiosocket-mixed"
    if call_language(call) != "en":
        return "twilio"
    return "audiosocket" if index % 3 == 2 else "twilio"


def transcribable(call: Call, engine: str) -> bool:
    """`engine` as the report names it ("sphinx", "whisper", "whisper:tiny.en")."""
    if engine.endswith(".en"):  # an English-only Whisper model
        return call_language(call) == "en"
    languages = ENGINE_LANGUAGES.get(engine)
    return languages is None or call_language(call) in languages


def pick_calls(calls: list[Call], count: int | None) -> list[Call]:
    """`count` calls spread over the corpus (its calls are grouped by kind), or all of them."""
    if count is None or count >= len(calls):
        return calls
    step = len(calls) / max(1, count)
    return [calls[math.floor(i * step)] for i in range(count)]


async def send_call(
    rendered: RenderedCall, protocol: Protocol, target: Target, language: str, speed: float | None
) -> str:
    audio = rendered.audio()
    if protocol == "twilio":
        parameters = {"agent": "bench", "script": rendered.call_id}
        if language != "en":
            parameters["language"] = language
        return await dial_twilio(audio, target, speed=speed, parameters=parameters)
    return await dial_audiosocket(
        audio, target, speed=speed, split_legs=protocol == "audiosocket", call_uuid=uuid.uuid4()
    )


async def wait_for_call(worker: IngestWorker, alerts: AlertStore, call_id: str) -> list[AlertRaised]:
    """Wait until the call has ended and its alerts are stored; those alerts."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CALL_END_TIMEOUT_S
    while True:
        summary = await worker.store.get_call(call_id)
        if summary is not None and summary.status == "ended":
            if worker.alerts is not None:
                await worker.alerts.drain()
            found = await alerts.list_alerts(limit=500, call_id=call_id)
            if len(found) >= summary.alert_count or loop.time() > deadline:
                return found
        elif loop.time() > deadline:
            raise TimeoutError(f"call {call_id} did not end within {CALL_END_TIMEOUT_S:.0f} s")
        await asyncio.sleep(0.2)


async def run_condition(
    calls: Sequence[Call],
    condition: str,
    *,
    engine: str,
    speed: float | None,
    concurrency: int,
    alert_settings: AlertSettings,
    workdir: Path,
    whisper_model: str | None = None,
    cache_dir: Path = CACHE_DIR,
    choose_protocol: Callable[[int, Call], Protocol] = protocol_for,
    quiet: bool = False,
    failures: list[str] | None = None,
) -> list[Outcome]:
    """Every call of `condition` through one fresh worker; what it stored for each.

    Calls that could not be sent are named in `failures` and left out."""
    failures = [] if failures is None else failures
    settings = IngestSettings(
        db_path=workdir / f"insight-{condition}.db",
        audiosocket_host="127.0.0.1",
        audiosocket_port=0,
        http_host="127.0.0.1",
        http_port=0,
        asr=engine,
        asr_threads=2,
        **({"whisper_model": whisper_model} if whisper_model else {}),
        # Signed like Twilio: each stream carries the per-call token /twilio/voice would issue.
        twilio_auth_token="bench-insight-token",
        # Calls are replayed faster than real time and judged on what is heard,
        # not on overload: pacing off, lines recognised in spoken order, none late.
        audio_burst_s=0.0,
        recognition_newest_first=False,
        recognition_deadline_s=3600.0,
    )
    outcomes: list[Outcome] = []
    gate = asyncio.Semaphore(concurrency)
    # Rendered before the worker starts, so synthesis does not compete with it.
    rendered = {call.id: render_call(call, condition, cache_dir) for call in calls}
    async with IngestWorker(settings, ComponentSettings(alerts=alert_settings)) as worker:
        target = Target(
            "127.0.0.1", worker.audiosocket_port, worker.http_port, auth_token=settings.twilio_auth_token
        )
        alerts = await AlertStore.open(settings.db_path)
        try:

            async def one(index: int, call: Call, rendered: RenderedCall) -> None:
                protocol = choose_protocol(index, call)
                async with gate:
                    for attempt in range(1, SEND_ATTEMPTS + 1):
                        try:
                            call_id = await send_call(rendered, protocol, target, call_language(call), speed)
                            break
                        except (OSError, TimeoutError) as error:
                            # The worker shares this process's event loop; on a loaded machine a
                            # handshake can time out. A retry is a new call: the worker saw no audio.
                            log.warning("%s: %s attempt %d failed: %r", call.id, protocol, attempt, error)
                    else:
                        failures.append(f"{call.id}: not sent over {protocol} after {SEND_ATTEMPTS} attempts")
                        return
                    try:
                        raised = await wait_for_call(worker, alerts, call_id)
                    except TimeoutError as error:
                        failures.append(f"{call.id}: {error}")
                        return
                segments = await worker.store.list_segments(call_id)
                outcomes.append(Outcome(call, protocol, rendered.lines, segments, raised, call_id))
                if not quiet:
                    print(
                        f"  {condition:8} {call.id:40} {protocol:17} {len(segments):3d} segments", flush=True
                    )

            await asyncio.gather(*(one(index, call, rendered[call.id]) for index, call in enumerate(calls)))
        finally:
            await alerts.close()
    # Which stored call is which corpus call, for --rescore (AudioSocket calls carry no name).
    names = {outcome.call_id: {"call": outcome.call.id, "protocol": outcome.protocol} for outcome in outcomes}
    calls_file(settings.db_path).write_text(json.dumps(names, indent=1), encoding="utf-8")
    order = {call.id: index for index, call in enumerate(calls)}
    return sorted(outcomes, key=lambda outcome: order[outcome.call.id])


def calls_file(db_path: Path) -> Path:
    """Beside a run's database: which stored call is which corpus call."""
    return db_path.with_suffix(".calls.json")


async def outcomes_from_database(
    calls: Sequence[Call], condition: str, db_path: Path, cache_dir: Path = CACHE_DIR
) -> list[Outcome]:
    """The ended calls a run left in `db_path`, scored again without sending audio.

    A run with --keep wrote which stored call is which corpus call beside the
    database (`calls_file`). Without it, Twilio calls name their corpus call
    in their metadata (`script`); the others are matched to the remaining
    corpus call their segments fit best: on the call clock first (segments
    that fall on no line of their speaker, lines nothing was heard on), then
    on the words (under noise the words alone pick wrong calls).
    """
    store = await CallStore.open(db_path)
    alerts = await AlertStore.open(db_path)
    try:
        stored = [c for c in await store.list_calls(limit=10_000, status="ended")]
        found: list[tuple[CallSummary, list[TranscriptSegment], list[AlertRaised]]] = [
            (c, await store.list_segments(c.call_id), await alerts.list_alerts(limit=500, call_id=c.call_id))
            for c in stored
        ]
    finally:
        await alerts.close()
        await store.close()
    names: dict[str, dict[str, str]] = {}
    if calls_file(db_path).exists():
        names = json.loads(calls_file(db_path).read_text(encoding="utf-8"))
    by_id = {call.id: call for call in calls}
    outcomes: list[Outcome] = []
    unnamed = []
    for summary, segments, raised in found:
        named_as = names.get(summary.call_id, {})
        named = by_id.pop(named_as.get("call") or summary.metadata.get("script", ""), None)
        if named is None:
            unnamed.append((summary, segments, raised))
            continue
        lines = render_call(named, condition, cache_dir).lines
        outcomes.append(
            Outcome(named, _protocol_of(summary, named), lines, segments, raised, summary.call_id)
        )
    rendered = {call.id: render_call(call, condition, cache_dir).lines for call in by_id.values() if unnamed}
    for summary, segments, raised, closest in _match_by_fit(unnamed, list(by_id.values()), rendered):
        protocol = _protocol_of(summary, closest)
        outcomes.append(Outcome(closest, protocol, rendered[closest.id], segments, raised, summary.call_id))
    order = {call.id: index for index, call in enumerate(calls)}
    return sorted(outcomes, key=lambda outcome: order[outcome.call.id])


def _protocol_of(summary: CallSummary, call: Call) -> Protocol:
    if summary.source == "twilio":
        return "twilio"
    return "audiosocket-mixed" if call.mixed else "audiosocket"


Stored = tuple[CallSummary, list[TranscriptSegment], list[AlertRaised]]


def _match_by_fit(
    unnamed: list[Stored], candidates: list[Call], rendered: dict[str, tuple[RenderedLine, ...]]
) -> list[tuple[CallSummary, list[TranscriptSegment], list[AlertRaised], Call]]:
    """Each unnamed stored call with the corpus call it fits best, best fits first (greedy)."""
    costs = sorted(
        (_fit(rendered[call.id], stored[1], call), index, position)
        for index, stored in enumerate(unnamed)
        for position, call in enumerate(candidates)
    )
    matched: list[tuple[CallSummary, list[TranscriptSegment], list[AlertRaised], Call]] = []
    used_stored: set[int] = set()
    used_calls: set[int] = set()
    for _cost, index, position in costs:
        if index in used_stored or position in used_calls:
            continue
        used_stored.add(index)
        used_calls.add(position)
        matched.append((*unnamed[index], candidates[position]))
    return matched


def _fit(lines: Sequence[RenderedLine], segments: list[TranscriptSegment], call: Call) -> tuple[float, float]:
    """How badly `segments` fit `call`: timing (strays and unheard lines per line), then words."""
    per_line, strays = align(lines, segments)
    unheard = sum(1 for heard in per_line if not heard)
    words = _distance(" ".join(line.say for line in call.lines), heard_text(segments))
    return (len(strays) + unheard) / max(1, len(lines)), words


def _distance(truth: str, heard: str) -> float:
    reference = normalize(truth)
    return word_errors(reference, normalize(heard)) / max(1, len(reference))


def reread(outcome: Outcome) -> Outcome:
    """`outcome` with its stored segments read again by the current analysis, as the
    worker reads them (`ingest.pipeline.session`): the words, or for another language
    their stored English translation; the engine's keyword spots merged as live."""
    segments = []
    for segment in outcome.segments:
        if not segment.transcribed:
            segments.append(segment)
            continue
        foreign = segment.language not in (None, ANALYSIS_LANGUAGE)
        english = segment.translation if foreign and segment.translation else segment.text
        analysis = analyse_text(english)
        segments.append(
            replace(
                segment,
                sentiment_score=analysis.sentiment.score,
                sentiment_label=analysis.sentiment.label,
                keywords=merged_keywords(analysis.keywords, segment.spotted, english),
                profanity=analysis.profanity,
            )
        )
    return replace(outcome, segments=segments)


def realerted(outcome: Outcome, settings: AlertSettings) -> Outcome:
    """`outcome` with the alerts the current rules raise over its stored segments."""
    call_id = outcome.call_id or next((segment.call_id for segment in outcome.segments), outcome.call.id)
    return replace(outcome, alerts=realert(settings, call_id, outcome.segments))


def score(outcomes: Sequence[Outcome], settings: AlertSettings, engine: str) -> EndToEndReport:
    report = EndToEndReport()
    for outcome in outcomes:
        score_call(
            report,
            settings,
            outcome.call,
            outcome.lines,
            outcome.segments,
            outcome.alerts,
            transcribable=transcribable(outcome.call, engine),
        )
    return report


def print_side_by_side(oracle: Report, reports: dict[str, EndToEndReport], *, details: bool) -> None:
    names = list(reports)
    header = f"  {'':26} {'oracle':>13}" + "".join(f" {name:>13}" for name in names)
    print("\nalerts at (call, rule) level: recall / precision (expected count)")
    print(header)
    rules = sorted(set(oracle.rules).union(*(report.rules for report in reports.values())))
    for rule in rules:
        tallies = [oracle.rules.get(rule)] + [report.rules.get(rule) for report in reports.values()]
        expected = next((t.hit + t.missed for t in tallies if t is not None), 0)
        cells = "".join(f" {_pair(t):>13}" for t in tallies)
        print(f"  {rule + f' ({expected})':26}{cells}")
    print(
        f"  {'overall':26} {_pair(oracle.overall):>13}"
        + "".join(f" {_pair(r.overall):>13}" for r in reports.values())
        + f"   goal >= {GOAL_RECALL} / {GOAL_PRECISION}"
    )
    rows: list[tuple[str, str, list[str]]] = [
        ("quiet calls alerting", f"{len(oracle.quiet_alerted)}/{oracle.quiet_calls}",
         [f"{len(r.quiet_alerted)}/{r.quiet_calls}" for r in reports.values()]),
        ("disclosure unverified", "0", [str(len(r.unverified)) for r in reports.values()]),
        ("keyword recall", f"{oracle.keywords.recall:.3f}", [f"{r.keywords.recall:.3f}" for r in reports.values()]),
        ("keyword precision", f"{oracle.keywords.precision:.3f}",
         [f"{r.keywords.precision:.3f}" for r in reports.values()]),
        ("profanity recall", f"{oracle.profanity.recall:.3f}", [f"{r.profanity.recall:.3f}" for r in reports.values()]),
        ("caller sign agreement", f"{oracle.sign_agree / max(1, oracle.caller_lines):.3f}",
         [f"{r.sign_agreement:.3f}" for r in reports.values()]),
        ("WER", "0", [f"{r.wer.rate:.3f}" for r in reports.values()]),
        ("utterances per line", "1", [f"{r.utterances_per_line:.2f}" for r in reports.values()]),
        ("lines unheard", "0", [f"{r.lines_unheard}/{r.lines}" for r in reports.values()]),
        ("stray segments", "0", [str(r.stray_segments) for r in reports.values()]),
    ]  # fmt: skip
    for label, first, rest in rows:
        print(f"  {label:26} {first:>13}" + "".join(f" {cell:>13}" for cell in rest))
    quiet = [f"{name}: {', '.join(r.quiet_alerted)}" for name, r in reports.items() if r.quiet_alerted]
    if quiet:
        print("  quiet calls that alerted: " + "; ".join(quiet))
    unverified = [f"{name}: {', '.join(r.unverified)}" for name, r in reports.items() if r.unverified]
    if unverified:
        print("  disclosure unverified (a notice, not an alert): " + "; ".join(unverified))
    voices = sorted(set().union(*(report.wer_by_voice for report in reports.values())))
    print("\nWER per voice")
    print(f"  {'':26}" + "".join(f" {name:>13}" for name in names))
    for voice in voices:
        rates = []
        for report in reports.values():
            wer = report.wer_by_voice.get(voice)
            rates.append(f"{wer.rate:.3f} ({wer.words})" if wer else "-")
        print(f"  {voice:26}" + "".join(f" {rate:>13}" for rate in rates))
    for name, report in reports.items():
        for sentence in report.not_transcribed:
            print(f"  [{name}] {sentence}")
    if details:
        for name, report in reports.items():
            print(f"\n[{name}] misses and false alerts, heard vs true:")
            print("\n".join(report.details) or "  none")


def _pair(tally: Tally | None) -> str:
    return "-" if tally is None else f"{tally.recall:.2f} / {tally.precision:.2f}"


async def run(args: argparse.Namespace) -> int:
    alert_settings = load_alert_settings(env={})
    calls = pick_calls(load_corpus(Path(args.corpus)) if args.corpus else load_corpus(), args.calls)
    conditions = args.conditions.split(",")
    unknown = set(conditions) - set(CONDITIONS)
    if unknown:
        raise SystemExit(f"unknown conditions {sorted(unknown)}; choose from {', '.join(CONDITIONS)}")
    # Which languages the run can transcribe depends on the Whisper model (tiny.en: English).
    whisper_model = args.whisper_model or IngestSettings.model_fields["whisper_model"].default
    engine_name = f"whisper:{whisper_model}" if args.engine == "whisper" else args.engine
    scored = [call for call in calls if transcribable(call, engine_name)]
    oracle = evaluate(alert_settings, scored)
    reports: dict[str, EndToEndReport] = {}
    if args.rescore:
        outcomes = await outcomes_from_database(calls, conditions[0], Path(args.rescore))
        if args.reread:
            outcomes = [reread(outcome) for outcome in outcomes]
        if args.realert:
            outcomes = [realerted(outcome, alert_settings) for outcome in outcomes]
        ran = {outcome.call.id for outcome in outcomes}
        reports[conditions[0]] = score(outcomes, alert_settings, engine_name)
        alerts_from = "the current rules" if args.realert else "the run"
        if args.reread:
            alerts_from += ", the words read by the current lexicon"
        print(
            f"rescored {len(outcomes)} ended calls of {args.rescore} as condition {conditions[0]}, "
            f"alerts by {alerts_from}"
        )
        oracle = evaluate(alert_settings, [call for call in scored if call.id in ran])
        print_side_by_side(oracle, reports, details=args.details)
        return 0
    keep = Path(args.keep) if args.keep else None
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="insight-e2e-") as tmp:
        for condition in conditions:
            began = time.monotonic()
            failures: list[str] = []
            outcomes = await run_condition(
                calls,
                condition,
                engine=args.engine,
                speed=args.speed,
                concurrency=args.concurrency,
                alert_settings=alert_settings,
                workdir=keep or Path(tmp),
                whisper_model=args.whisper_model,
                failures=failures,
            )
            for failure in failures:
                print(f"  [{condition}] NOT RUN {failure}", flush=True)
            reports[condition] = score(outcomes, alert_settings, engine_name)
            print(f"  {condition}: {len(outcomes)} calls in {time.monotonic() - began:.0f} s", flush=True)
            if condition != conditions[-1]:
                # The figures so far, in case a long run is stopped before the end.
                print_side_by_side(oracle, reports, details=False)
                print(flush=True)
    print(
        f"\nbench/insight end to end: engine {engine_name}, {len(calls)} calls "
        f"({len(scored)} scored for alerts; the rest in a language the engine has no model for), "
        f"send rate {'as fast as possible' if args.speed is None else f'{args.speed}x real time'}"
    )
    print_side_by_side(oracle, reports, details=args.details)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus",
        metavar="TOML",
        help="the call corpus (default data/insight/calls.toml; the blind*.toml sets were never tuned on)",
    )
    parser.add_argument("--calls", type=int, default=None, help="run N calls spread over the corpus")
    parser.add_argument(
        "--conditions", default=",".join(CONDITIONS), help=f"comma list of {', '.join(CONDITIONS)}"
    )
    parser.add_argument(
        "--engine",
        default="sphinx",
        help="the worker's speech-to-text engine (default sphinx, as in earlier rounds' figures; "
        "the worker's own default is whisper)",
    )
    parser.add_argument(
        "--whisper-model",
        help="faster-whisper model for --engine whisper (default: the worker's, tiny.en, installed from the registry)",
    )
    parser.add_argument("--speed", type=float, default=None, help="send at this multiple of real time")
    parser.add_argument("--concurrency", type=int, default=2, help="calls in flight at once")
    parser.add_argument("--details", action="store_true", help="misses and false alerts, heard vs true")
    parser.add_argument(
        "--rescore", metavar="DB", help="score the calls a run left in this database (first --conditions)"
    )
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="leave each condition's database (insight-CONDITION.db, with which call is which) in DIR",
    )
    parser.add_argument(
        "--realert",
        action="store_true",
        help="with --rescore: judge the stored segments with the current alert rules, not the stored alerts",
    )
    parser.add_argument(
        "--reread",
        action="store_true",
        help="with --rescore --realert: read the stored words again with the current lexicon first",
    )
    args = parser.parse_args(argv)
    if args.realert and not args.rescore:
        parser.error("--realert re-judges a run's stored segments: it needs --rescore DB")
    if args.reread and not args.realert:
        parser.error(
            "--reread reads a run's stored words again for the rules to judge: it needs --rescore DB --realert"
        )
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
