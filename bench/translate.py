"""Translation benchmark: per-segment latency and throughput of warm Apertium.

Translates every line of the call scripts (data/scripts/*.txt) English ->
Spanish, then Spanish call-centre sentences (the hand-written ones below and
the Spanish output of the first pass) back to English, one segment at a time
as the pipeline does, with the cache off so every segment really runs.

    python -m bench.translate               # 5 rounds over every sentence
    python -m bench.translate --rounds 20
    python -m bench.translate --concurrency 4   # calls translating at once

Goal (issue 6): p95 <= 150 ms per segment.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from ingest.translation import ApertiumTranslator
from simulator.scripts import SCRIPTS_DIR, load_script

ROOT = Path(__file__).resolve().parents[1]

SPANISH_LINES = [
    "gracias por llamar en qué puedo ayudarle",
    "quiero cancelar mi cuenta ahora mismo",
    "su servicio es terrible y estoy cansado de esperar",
    "he llamado tres veces y nadie me ayuda",
    "quiero hablar con su supervisor por favor",
    "me cobraron dos veces este mes",
    "voy a llamar a mi abogado si no lo resuelven",
    "un momento por favor voy a revisar su factura",
    "mi número de cuenta es cinco siete dos ocho",
    "muchas gracias que tenga un buen día",
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def run_direction(
    translator: ApertiumTranslator,
    lines: list[str],
    source: str,
    target: str,
    rounds: int,
    concurrency: int,
) -> tuple[list[float], float, int]:
    """Latencies (ms) of every segment, wall seconds, untranslated count."""
    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[str] = asyncio.Queue()
    for _ in range(rounds):
        for line in lines:
            queue.put_nowait(line)

    async def worker() -> None:
        nonlocal failures
        while not queue.empty():
            line = queue.get_nowait()
            started = time.perf_counter()
            result = await translator.translate(line, source, target)
            latencies.append((time.perf_counter() - started) * 1000)
            failures += not result.translated

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started, failures


async def main(rounds: int, concurrency: int) -> None:
    english = [line.text for path in sorted(SCRIPTS_DIR.glob("*.txt")) for line in load_script(path).lines]
    translator = ApertiumTranslator()
    if not {("en", "es"), ("es", "en")} <= await translator.direct_pairs():
        sys.exit("apertium eng-spa / spa-eng is not installed (deploy/install-system-packages.sh)")
    started = time.perf_counter()
    await translator.warm(("en", "es"), ("es", "en"))
    print(f"start-up of both pipelines: {(time.perf_counter() - started) * 1000:.0f} ms")
    spanish = SPANISH_LINES + [(await translator.translate(line, "en", "es")).text for line in english]
    print(f"{'direction':<10}{'segments':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'seg/s':>9}{'failed':>8}")
    for source, target, lines in (("en", "es", english), ("es", "en", spanish)):
        latencies, wall, failed = await run_direction(translator, lines, source, target, rounds, concurrency)
        print(
            f"{source}->{target:<6}{len(latencies):>9}{statistics.median(latencies):>9.2f}"
            f"{percentile(latencies, 0.95):>9.2f}{max(latencies):>9.2f}"
            f"{len(latencies) / wall:>9.0f}{failed:>8}"
        )
    print("\nexamples:")
    for line in english[:3] + SPANISH_LINES[:3]:
        source, target = ("en", "es") if line in english else ("es", "en")
        print(f"  {line}  ->  {(await translator.translate(line, source, target)).text}")
    await translator.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over every sentence")
    parser.add_argument("--concurrency", type=int, default=1, help="segments in flight at once")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.concurrency))
