"""What the ingest benchmarks share: a worker with probes, and figure printing."""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass, field

from app.event_loop import EventLoopName
from ingest.events import AudioReceived, CallEvent, Recognition

LATE_S = 0.1

# The event loop a benchmark runs its in-process worker on: CALLMON_EVENT_LOOP,
# as the worker itself reads it (uvloop by default).
BENCH_LOOP: EventLoopName = "asyncio" if os.environ.get("CALLMON_EVENT_LOOP") == "asyncio" else "uvloop"
"""A frame handed to the pipeline more than 100 ms after it was due is late."""


class SentenceRecognizer:
    """Stands in for speech-to-text where a benchmark measures everything else.

    The benchmarks that use it say so; real engines are timed in bench/asr.py.
    Its sentences cycle through neutral, negative and keyword-laden lines so
    analysis, storage and alert rules do their normal work.
    """

    name = "bench-sentences"
    SENTENCES = (
        "i have a question about my bill this month",
        "i want to cancel my account right now",
        "this is unacceptable i want to speak to a supervisor",
        "thank you that was very helpful",
    )

    def __init__(self) -> None:
        self._count = 0

    def recognize(self, pcm16k: bytes, language: str | None = None) -> Recognition:
        self._count += 1
        return Recognition(self.SENTENCES[self._count % len(self.SENTENCES)], 0.9, "en")


@dataclass
class FrameLagProbe:
    """How long after its due time each audio frame reached the pipeline."""

    origin: dict[str, float] = field(default_factory=dict)
    lags: list[float] = field(default_factory=list)
    frames: int = 0

    def __call__(self, event: CallEvent) -> None:
        if not isinstance(event, AudioReceived):
            return
        now = time.monotonic()
        key = f"{event.call_id}/{event.speaker}"
        origin = self.origin.setdefault(key, now - event.audio_time)
        self.lags.append(now - origin - event.audio_time)
        self.frames += 1

    def reset(self) -> None:
        self.lags.clear()
        self.frames = 0

    @property
    def late(self) -> int:
        return sum(1 for lag in self.lags if lag > LATE_S)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[min(98, max(0, int(pct) - 1))]
