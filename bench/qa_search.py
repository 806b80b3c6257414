"""QA search speed on a large store: ~1,000,000 segments in ~20,000 calls.

Generates the store once (bulk `executemany` in one transaction into the real
schema that `CallStore.open` and `AlertStore.open` create), caches it under
bench/out/, then times typical searches with and without filters and prints
p50/p95 per query plus the database size. Goal: p95 <= 50 ms.

``--backend postgres`` (or ``both``, side by side) copies the same store into
PostgreSQL (bench/qa_search_postgres.py): into ``--database-url`` when given
(loaded once, reused while it holds the same number of segments and every
schema migration of this checkout), else into a
throwaway server started for the run. The last column says whether both
backends found the same calls on the page.

    python -m bench.qa_search [--calls 20000] [--segments-per-call 50] [--runs 30] [--fresh]
                              [--backend sqlite|postgres|both] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alerts.store import AlertStore
from bench.harness import percentile
from bench.qa_search_postgres import bench_server, load_postgres, schema_is_current, stored_segments
from ingest.storage import CallStore
from ingest.storage.database import PostgresDatabase
from qa import ScorecardStore, SearchQuery, search_calls

OUT = Path(__file__).resolve().parent / "out"
SCRIPTS = Path(__file__).resolve().parent.parent / "data" / "scripts"
DAY = 86400.0

AGENTS = [f"agent{n:03d}" for n in range(60)]
CAMPAIGNS = ["billing", "retention", "sales", "support", "collections"]
IN_GROUPS = ["billing_in", "support_in", "es_line", "vip"]
LANGUAGES = ["en"] * 16 + ["es"] * 3 + ["fr"]

# (text, score) pools: the script lines plus common call-centre phrasing.
EXTRA_LINES = [
    ("can you confirm your date of birth please", 0.1),
    ("let me pull up your account details", 0.0),
    ("i have been waiting on hold for forty minutes", -0.4),
    ("the payment did not go through again", -0.3),
    ("i would like a refund for the last invoice", -0.2),
    ("your technician never showed up", -0.5),
    ("that is perfect thank you so much", 0.8),
    ("i appreciate your help today", 0.7),
    ("this is the worst service i have ever had", -0.8),
    ("i want to speak to a manager", -0.3),
    ("is there anything else i can help you with", 0.3),
    ("please hold while i check that for you", 0.0),
    ("my router keeps dropping the connection", -0.3),
    ("i will send you a confirmation email", 0.2),
    ("the new plan is cheaper and includes roaming", 0.4),
    ("i am going to report this to the regulator", -0.6),
    ("that is ridiculous nobody told me about the fee", -0.7),
    ("great that is sorted then", 0.6),
]
SPANISH = [
    ("quiero cancelar mi cuenta ahora mismo", "i want to cancel my account right now", -0.5),
    ("tengo una pregunta sobre mi factura", "i have a question about my bill", 0.0),
    ("gracias por su ayuda", "thank you for your help", 0.7),
    ("el servicio es terrible", "the service is terrible", -0.7),
    ("necesito hablar con un supervisor", "i need to speak to a supervisor", -0.3),
]
FRENCH = [
    ("je veux annuler mon abonnement", "i want to cancel my subscription", -0.5),
    ("merci beaucoup pour votre aide", "thank you very much for your help", 0.7),
    ("la facture est trop élevée ce mois-ci", "the bill is too high this month", -0.4),
    ("je voudrais parler à un responsable", "i would like to speak to a manager", -0.3),
]
FILLER_WORDS = (
    "account bill charge payment card bank service internet phone line router modem plan "
    "contract upgrade discount offer fee invoice balance credit debit order delivery package "
    "address email password login app website outage signal speed technician appointment "
    "monday tuesday friday morning afternoon week month year today tomorrow yesterday number "
    "reference ticket case issue problem question answer check confirm update change transfer "
    "okay right sure yes no maybe really actually just still already again please sorry"
)
FILLER = FILLER_WORDS.split()


ONSETS = "b c d f g h j k l m n p r s t v w z br cl dr gr pl st tr"


def long_tail(rng: random.Random, size: int = 6000) -> list[str]:
    """Made-up product, street and person names: the rare words real transcripts are full of."""
    onsets, vowels, codas = (
        ONSETS.split(),
        "aeiou",
        ["", "n", "r", "s", "l", "x"],
    )
    words = {
        "".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas) for _ in range(rng.randint(2, 3)))
        for _ in range(size)
    }
    return sorted(words)


def script_lines() -> list[tuple[str, str, float]]:
    lines = []
    for path in sorted(SCRIPTS.glob("*.txt")):
        for raw in path.read_text().splitlines():
            speaker, _, text = raw.partition(":")
            if speaker in ("agent", "caller") and text.strip():
                negative = any(w in text for w in ("cancel", "terrible", "unacceptable", "sue", "useless"))
                lines.append((speaker, text.strip(), -0.6 if negative else 0.2))
    return lines


def label(score: float) -> str:
    return "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"


def generate(path: Path, calls: int, per_call: int, seed: int = 5) -> None:
    """Create the schema with the real stores, then bulk-insert generated calls."""

    async def create_schema() -> None:
        for opener in (CallStore.open, AlertStore.open, ScorecardStore.open):
            store = await opener(path)
            await store.close()

    asyncio.run(create_schema())
    rng = random.Random(seed)
    scripted = script_lines()
    tail = long_tail(rng)
    tail_weights = [1 / (rank + 1) for rank in range(len(tail))]  # Zipf: a few common, most rare
    now = time.time()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -200000")
    db.execute("BEGIN")
    segment_id = 0
    call_rows, segment_rows, alert_rows = [], [], []
    for n in range(calls):
        call_id = f"bench-{n:06d}"
        language = rng.choice(LANGUAGES)
        started = now - rng.uniform(0, 120) * DAY
        count = max(4, int(rng.gauss(per_call, per_call / 4)))
        mood = rng.gauss(0.05, 0.25)  # some calls go badly throughout
        t = 0.0
        scores: list[float] = []
        keywords: set[str] = set()
        for i in range(count):
            speaker, text, translation, score = _utterance(rng, i, language, scripted, tail, tail_weights)
            score = max(-1.0, min(1.0, score + mood + rng.gauss(0, 0.15)))
            length = 1.0 + len(text) / 14
            found = [
                k
                for k in ("cancel", "refund", "supervisor", "manager", "unacceptable")
                if k in (translation or text)
            ]
            keywords.update(found)
            segment_id += 1
            segment_rows.append(
                (
                    segment_id,
                    call_id,
                    speaker,
                    t,
                    t + length,
                    text,
                    translation,
                    language,
                    score,
                    label(score),
                    json.dumps(found),
                    0.9,
                    "sphinx",
                    started + t,
                )
            )
            scores.append(score)
            t += length + rng.uniform(0.2, 2.0)
        alerts = rng.choices([0, 1, 2, 3], weights=[85, 9, 4, 2])[0]
        for a in range(alerts):
            level = rng.choices(["warning", "urgent", "critical"], weights=[6, 3, 1])[0]
            alert_rows.append(
                (
                    f"{call_id}-a{a}",
                    call_id,
                    level,
                    '["keyword_detected"]',
                    '["keyword"]',
                    "i want to cancel",
                    "caller",
                    -0.6,
                    -0.4,
                    started + t / 2,
                    None,
                )
            )
        agent = rng.choice(AGENTS)
        call_rows.append(
            (
                call_id,
                "bench",
                agent,
                agent.title(),
                f"+1555{n:07d}",
                rng.choice(CAMPAIGNS),
                rng.choice(IN_GROUPS),
                started,
                started + t,
                t,
                language,
                sum(scores) / len(scores),
                min(scores),
                max(scores),
                len(scores),
                sum(s >= 0.05 for s in scores),
                sum(s <= -0.05 for s in scores),
                sum(-0.05 < s < 0.05 for s in scores),
                json.dumps(sorted(keywords)),
                alerts,
                "ended",
            )
        )
        if len(segment_rows) > 50_000 or n == calls - 1:
            _flush(db, call_rows, segment_rows, alert_rows)
    db.execute("COMMIT")
    db.execute("PRAGMA optimize")
    db.execute("INSERT INTO segments_fts (segments_fts) VALUES ('optimize')")
    db.execute("ANALYZE")
    db.close()


def _utterance(
    rng: random.Random,
    i: int,
    language: str,
    scripted: list[tuple[str, str, float]],
    tail: list[str],
    tail_weights: list[float],
) -> tuple[str, str, str | None, float]:
    speaker = "agent" if i % 2 == 0 else "caller"
    if i == 0:
        return "agent", "thank you for calling this call may be recorded how can i help", None, 0.4
    if language != "en" and speaker == "caller" and rng.random() < 0.7:
        text, translation, score = rng.choice(SPANISH if language == "es" else FRENCH)
        return speaker, text, translation, score
    roll = rng.random()
    if roll < 0.35:
        speaker, text, score = rng.choice(scripted)
    elif roll < 0.7:
        text, score = rng.choice(EXTRA_LINES)
    else:
        words = rng.choices(FILLER, k=rng.randint(3, 10)) + rng.choices(
            tail, tail_weights, k=rng.randint(1, 3)
        )
        rng.shuffle(words)
        text, score = " ".join(words), 0.0
    return speaker, text, None, score


def _flush(db: sqlite3.Connection, calls: list, segments: list, alerts: list) -> None:
    db.executemany(
        "INSERT INTO calls (id, source, agent, agent_name, caller_number, campaign, in_group, started_at,"
        " ended_at, duration, language, avg_sentiment, min_sentiment, max_sentiment, segment_count,"
        " positive_count, negative_count, neutral_count, keywords, alert_count, status)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        calls,
    )
    db.executemany(
        'INSERT INTO segments (id, call_id, speaker, "start", "end", text, translation, language,'
        " sentiment_score, sentiment_label, keywords, confidence, engine, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        segments,
    )
    db.executemany(
        "INSERT INTO alerts (id, call_id, level, rules, reasons, text, speaker, score, rolling_score,"
        " raised_at, agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        alerts,
    )
    calls.clear()
    segments.clear()
    alerts.clear()


def typical_queries(now: float, rare: list[str]) -> dict[str, SearchQuery]:
    week = now - 7 * DAY
    return {
        "refund (text only)": SearchQuery(text="refund"),
        "cancel account": SearchQuery(text="cancel account"),
        '"this call may be recorded" (every call)': SearchQuery(text='"this call may be recorded"'),
        "supervisor + agent": SearchQuery(text="supervisor", agent="agent007"),
        "cancel + last 7 days": SearchQuery(text="cancel", date_from=week),
        "refund + sentiment <= -0.3": SearchQuery(text="refund", max_sentiment=-0.3),
        "manager + campaign + critical alerts": SearchQuery(
            text="manager", campaign="retention", alert_level="critical"
        ),
        "technician + duration 300-600 s": SearchQuery(text="technician", min_duration=300, max_duration=600),
        "cancelar (es) + language": SearchQuery(text="cancelar", language="es"),
        "cancelar + English calls (filter vs text)": SearchQuery(text="cancelar", language="en"),
        "refund, sorted by relevance": SearchQuery(text="refund", sort="relevance"),
        "account, sorted by sentiment": SearchQuery(text="account", sort="sentiment", descending=False),
        "account, page 20": SearchQuery(text="account", offset=500),
        "filters only: agent + 30 days": SearchQuery(agent="agent012", date_from=now - 30 * DAY),
        "filters only: has alerts, by alerts": SearchQuery(has_alerts=True, sort="alerts"),
        "rare word (roaming) + sentiment >= 0.3": SearchQuery(text="roaming", min_sentiment=0.3),
        "no match (xylophone)": SearchQuery(text="xylophone"),
        f"rare name ({rare[0]})": SearchQuery(text=rare[0]),
        f"rare name ({rare[1]}) + has alerts": SearchQuery(text=rare[1], has_alerts=True),
        f"rare name ({rare[2]}), by relevance": SearchQuery(text=rare[2], sort="relevance"),
    }


@dataclass(frozen=True)
class Timing:
    p50_ms: float
    p95_ms: float
    total: int | None
    plan: str
    calls: tuple[str, ...]


async def measure(
    db: Path | PostgresDatabase, queries: dict[str, SearchQuery], runs: int
) -> dict[str, Timing]:
    """p50/p95 of each query over `runs` searches (after one untimed warm-up)."""
    timings: dict[str, Timing] = {}
    for name, query in queries.items():
        page = await search_calls(db, query)
        spent = []
        for _ in range(runs):
            began = time.perf_counter()
            page = await search_calls(db, query)
            spent.append((time.perf_counter() - began) * 1000)
        calls = tuple(hit.call_id for hit in page.hits)
        timings[name] = Timing(percentile(spent, 50), percentile(spent, 95), page.total, page.plan, calls)
    return timings


def report(results: dict[str, dict[str, Timing]]) -> None:
    """One line per query, one column group per backend, side by side."""
    backends = list(results)
    names = list(next(iter(results.values())))
    header = f"{'query':45}" + "".join(
        f" | {b[:8]:>8} p50 {'p95':>6} {'calls':>6} {'plan':>16}" for b in backends
    )
    print(header + (" | same page" if len(backends) == 2 else ""))
    for name in names:
        line = f"{name:45}"
        for backend in backends:
            t = results[backend][name]
            total = "?" if t.total is None else str(t.total)
            line += f" | {t.p50_ms:12.1f} {t.p95_ms:6.1f} {total:>6} {t.plan:>16}"
        if len(backends) == 2:
            a, b = (results[backend][name] for backend in backends)
            line += " | " + ("yes" if a.calls == b.calls else "no")
        print(line)
    for backend in backends:
        worst = max(t.p95_ms for t in results[backend].values())
        print(f"{backend}: worst p95 {worst:.1f} ms (goal <= 50 ms)")


@contextlib.contextmanager
def postgres_url(given: str | None) -> Iterator[str]:
    if given:
        yield given
        return
    with bench_server() as url:
        yield url


async def measure_postgres(url: str, queries: dict[str, SearchQuery], runs: int) -> dict[str, Timing]:
    database = await PostgresDatabase.open(url)
    try:
        return await measure(database, queries, runs)
    finally:
        await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--segments-per-call", type=int, default=50)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--fresh", action="store_true", help="regenerate even when a cached store exists")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--database-url", help="PostgreSQL to load and search (default: start one)")
    args = parser.parse_args()
    path = OUT / f"qa_search_{args.calls}x{args.segments_per_call}.db"
    if args.fresh or not path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        OUT.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        generate(path, args.calls, args.segments_per_call)
        print(f"generated {path} in {time.monotonic() - began:.0f} s")
    with sqlite3.connect(path) as db:
        segments = db.execute("SELECT count(*) FROM segments").fetchone()[0]
        calls = db.execute("SELECT count(*) FROM calls").fetchone()[0]
    print(f"store: {calls} calls, {segments} segments, {path.stat().st_size / 2**20:.0f} MiB (SQLite)")
    tail = long_tail(random.Random(5))
    rare = [tail[200], tail[1500], tail[3000]]  # ~the 200th, 1500th, 3000th most common made-up word
    queries = typical_queries(time.time(), rare)
    results: dict[str, dict[str, Timing]] = {}
    if args.backend in ("sqlite", "both"):
        results["sqlite"] = asyncio.run(measure(path, queries, args.runs))
    if args.backend in ("postgres", "both"):
        with postgres_url(args.database_url) as url:
            if stored_segments(url) != segments or args.fresh or not schema_is_current(url):
                print(f"loaded PostgreSQL in {load_postgres(path, url):.0f} s")
            results["postgres"] = asyncio.run(measure_postgres(url, queries, args.runs))
    report(results)


if __name__ == "__main__":
    main()
