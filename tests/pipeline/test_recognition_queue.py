"""The overload policy of the recognition queue, with an engine the test releases by hand.

The engine stand-in is a real coroutine that waits until the test lets each
utterance finish, so the order the queue hands work out is observed exactly;
utterance audio is real spool files.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from ingest.audio.segmenter import SpeechSpan
from ingest.pipeline.recognition_queue import Postponed, RecognitionQueue
from ingest.pipeline.spool import UtteranceSpool
from tests.support.waiting import wait_until

RATE = 16000


class HandEngine:
    """Recognises a span when the test says so; the result names the span's start."""

    def __init__(self) -> None:
        self.started: list[float] = []
        self._release: dict[float, asyncio.Event] = {}

    async def run(self, span: SpeechSpan, language: str | None) -> str:
        self.started.append(span.start)
        event = self._release.setdefault(span.start, asyncio.Event())
        await event.wait()
        return f"line at {span.start:g} ({len(span.pcm)} bytes)"

    def finish(self, start: float) -> None:
        self._release.setdefault(start, asyncio.Event()).set()


def span(start: float, seconds: float = 1.0) -> SpeechSpan:
    return SpeechSpan(start, start + seconds, bytes(int(seconds * RATE) * 2), RATE, start + seconds)


def queue(
    engine: HandEngine, *, slots: int = 1, bound_s: float = 60.0, deadline_s: float = 60.0
) -> RecognitionQueue[str]:
    return RecognitionQueue(engine.run, slots=slots, bound_s=bound_s, deadline_s=deadline_s)


async def test_the_newest_speech_is_recognised_first() -> None:
    engine = HandEngine()
    recognition = queue(engine)
    futures = [recognition.submit(f"call-{n}", span(float(n)), None, None, live=True) for n in range(4)]
    await wait_until(lambda: engine.started == [0.0], message="the first line taken at once")
    engine.finish(0.0)
    await wait_until(lambda: engine.started == [0.0, 3.0], message="then the newest")
    for start in (3.0, 2.0, 1.0):
        engine.finish(start)
    results = await asyncio.gather(*futures)
    assert engine.started == [0.0, 3.0, 2.0, 1.0]
    assert results == [f"line at {n:g} (32000 bytes)" for n in range(4)], "other calls' lines never go late"
    assert recognition.late_total == 0


async def test_a_line_overtaken_by_a_newer_one_of_its_call_goes_late_and_comes_back(tmp_path: Path) -> None:
    spool = UtteranceSpool(tmp_path / "spool")
    engine = HandEngine()
    recognition = queue(engine)
    busy = recognition.submit("other", span(0.0), None, None, live=True)
    older = recognition.submit("call", span(1.0), None, spool.put("call", "caller", span(1.0)), live=True)
    newer = recognition.submit("call", span(2.0), None, spool.put("call", "caller", span(2.0)), live=True)
    engine.finish(0.0)
    await busy
    await wait_until(lambda: engine.started[-1] == 2.0, message="the newer line taken first")
    engine.finish(2.0)
    assert await newer == "line at 2 (32000 bytes)"
    outcome = await older
    assert isinstance(outcome, Postponed), "the older line must not hold the call's transcript up"
    assert recognition.stats().spooled_utterances <= 1
    engine.finish(1.0)
    assert await outcome.later == "line at 1 (32000 bytes)", "read back whole from the spool"
    assert recognition.late_total == 1


async def test_memory_holds_at_most_the_bound_and_the_rest_waits_on_disk(tmp_path: Path) -> None:
    spool = UtteranceSpool(tmp_path / "spool")
    engine = HandEngine()
    recognition = queue(engine, bound_s=3.0)
    futures = []
    for n in range(10):
        piece = span(float(n))
        futures.append(
            recognition.submit(f"call-{n}", piece, None, spool.put(f"call-{n}", "agent", piece), live=True)
        )
        stats = recognition.stats()
        assert stats.fresh_audio_s <= 3.0
        assert stats.in_flight <= 1
    stats = recognition.stats()
    assert stats.fresh_utterances == 3 and stats.spooled_utterances == 6 and stats.in_flight == 1
    # The newest three wait in memory; the six before them went late, oldest first.
    postponed = [f for f in futures if f.done() and isinstance(f.result(), Postponed)]
    assert len(postponed) == 6
    for n in range(10):
        engine.finish(float(n))
    outcomes = await asyncio.gather(*futures)
    late = [await o.later for o in outcomes if isinstance(o, Postponed)]
    assert late == [f"line at {n:g} (32000 bytes)" for n in range(1, 7)], "late ones in arrival order"
    assert engine.started == [0.0, 9.0, 8.0, 7.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert recognition.late_total == 6


async def test_a_line_that_waits_past_the_deadline_goes_late() -> None:
    engine = HandEngine()
    recognition = queue(engine, deadline_s=0.1)
    busy = recognition.submit("a", span(0.0), None, None, live=True)
    waiting = recognition.submit("b", span(1.0), None, None, live=True)
    outcome = await waiting  # resolves by itself once the deadline passes, the engine still busy
    assert isinstance(outcome, Postponed)
    assert engine.started == [0.0]
    engine.finish(0.0)
    engine.finish(1.0)
    assert await busy == "line at 0 (32000 bytes)"
    assert await outcome.later == "line at 1 (32000 bytes)"


async def test_speech_that_is_not_live_waits_its_turn_and_is_never_late() -> None:
    engine = HandEngine()
    recognition = queue(engine, bound_s=1.0)
    imported = [recognition.submit("import", span(float(n)), None, None, live=False) for n in range(3)]
    live = recognition.submit("live", span(10.0), None, None, live=True)
    await wait_until(lambda: engine.started == [0.0], message="the first imported line")
    engine.finish(0.0)
    await wait_until(
        lambda: engine.started == [0.0, 10.0], message="live speech before the rest of the import"
    )
    for start in (10.0, 1.0, 2.0):
        engine.finish(start)
    assert await live == "line at 10 (32000 bytes)"
    assert await asyncio.gather(*imported) == [f"line at {n:g} (32000 bytes)" for n in range(3)]
    assert recognition.late_total == 0


async def test_first_come_first_served_keeps_spoken_order_with_nothing_overtaken() -> None:
    engine = HandEngine()
    recognition = RecognitionQueue(engine.run, slots=1, bound_s=60.0, deadline_s=60.0, newest_first=False)
    futures = [recognition.submit("call", span(float(n)), None, None, live=True) for n in range(4)]
    for n in range(4):
        engine.finish(float(n))
    assert await asyncio.gather(*futures) == [f"line at {n:g} (32000 bytes)" for n in range(4)]
    assert engine.started == [0.0, 1.0, 2.0, 3.0]
    assert recognition.late_total == 0
