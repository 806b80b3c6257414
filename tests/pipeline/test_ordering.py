"""The README's ordering guarantees, on the real pipeline, store and bus (no speech engine).

"the call row is stored before its first segment, segments are stored in the
order they were spoken, a segment is committed to SQLite before it is
published, and the end of the call is stored after its last segment.
Recognition of several utterances overlaps." Control events (hangup) are
never stuck behind audio.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ingest.events import CallEnded, CallStarted, DtmfReceived
from tests.pipeline.ordering_kit import (
    PipelineUnderTest,
    PitchRecognizer,
    close_pipeline,
    open_pipeline,
    spoken,
)
from tests.support.waiting import wait_until

FIRST, SECOND, THIRD, FOURTH = "first line", "second line", "third line", "fourth line"
OTHER_FIRST, OTHER_SECOND = "other call first line", "other call second line"


@pytest.fixture
async def under_test(tmp_path: Path) -> AsyncIterator[PipelineUnderTest]:
    opened = await open_pipeline(tmp_path / "callmon.db", PitchRecognizer())
    yield opened
    await close_pipeline(opened)


async def until_recognition_started(under_test: PipelineUnderTest, *texts: str) -> None:
    await wait_until(
        lambda: set(texts) <= set(under_test.recognizer.started),
        message=f"recognition of {texts} to start",
    )


async def until_recognition_finished(under_test: PipelineUnderTest, *texts: str) -> None:
    await wait_until(
        lambda: set(texts) <= set(under_test.recognizer.finished),
        message=f"recognition of {texts} to finish",
    )


async def end_and_drain(under_test: PipelineUnderTest, call_id: str) -> None:
    under_test.pipeline.submit(CallEnded(call_id, "hangup"))
    await under_test.pipeline.drain()


async def test_segments_keep_spoken_order_when_recognition_finishes_backwards(
    under_test: PipelineUnderTest,
) -> None:
    recognizer, pipeline = under_test.recognizer, under_test.pipeline
    recognizer.hold(FIRST, SECOND, THIRD)
    pipeline.submit(CallStarted("c1", "twilio"))
    under_test.submit_all(spoken("c1", [FIRST, SECOND, THIRD]))
    # All three are with the engine at once: recognition overlaps.
    await until_recognition_started(under_test, FIRST, SECOND, THIRD)

    recognizer.release(THIRD)
    await until_recognition_finished(under_test, THIRD)
    recognizer.release(SECOND)
    await until_recognition_finished(under_test, SECOND)
    # The later lines are recognised, but the first is not: nothing may be stored yet.
    assert await under_test.stored_texts("c1") == []
    assert [e for e in under_test.entries("c1", "published") if e.startswith("segment")] == []

    recognizer.release(FIRST)
    await end_and_drain(under_test, "c1")

    assert recognizer.finished == [THIRD, SECOND, FIRST]
    spoken_order = [f"segment {text}" for text in (FIRST, SECOND, THIRD)]
    assert await under_test.stored_texts("c1") == [FIRST, SECOND, THIRD]
    assert [e for e in under_test.entries("c1", "stored") if e.startswith("segment")] == spoken_order
    assert [e for e in under_test.entries("c1", "published") if e.startswith("segment")] == spoken_order
    starts = [s.start for s in await under_test.store.list_segments("c1")]
    assert starts == sorted(starts)


async def test_call_row_comes_before_the_first_segment_and_the_end_after_the_last(
    under_test: PipelineUnderTest,
) -> None:
    recognizer, pipeline = under_test.recognizer, under_test.pipeline
    recognizer.hold(FIRST, SECOND, THIRD)
    pipeline.submit(CallStarted("c1", "twilio"))
    # The caller is still saying the third line when the call ends: only the
    # hangup closes that utterance.
    under_test.submit_all(spoken("c1", [FIRST, SECOND, THIRD], trailing_silence=False))
    pipeline.submit(CallEnded("c1", "hangup"))
    await until_recognition_started(under_test, FIRST, SECOND, THIRD)
    call = await under_test.store.get_call("c1")
    assert call is not None and call.status == "active"  # the end waits for the segments

    recognizer.release(FIRST, SECOND, THIRD)
    await pipeline.drain()

    stored = under_test.entries("c1", "stored")
    assert stored == ["start", f"segment {FIRST}", f"segment {SECOND}", f"segment {THIRD}", "end"]
    published = under_test.entries("c1", "published")
    assert published.index("start") < published.index(f"segment {FIRST}")
    assert published.index(f"segment {THIRD}") < published.index("end")
    assert published[-1] == "summary ended"
    call = await under_test.store.get_call("c1")
    assert call is not None and (call.status, call.segment_count) == ("ended", 3)


async def test_every_write_is_committed_before_it_is_published(under_test: PipelineUnderTest) -> None:
    pipeline = under_test.pipeline
    pipeline.submit(CallStarted("c1", "audiosocket"))
    under_test.submit_all(spoken("c1", [FIRST, SECOND]))
    under_test.submit_all(spoken("c1", [THIRD], speaker="agent"))
    await end_and_drain(under_test, "c1")

    published = under_test.entries("c1", "published")
    assert sorted(e for e in published if e.startswith("segment")) == sorted(
        f"segment {text}" for text in (FIRST, SECOND, THIRD)
    )
    assert {"start", "end"} <= set(published)
    # Checked at the moment of each publish, by a second SQLite connection.
    assert under_test.bus.published_uncommitted == []


async def test_call_events_keep_their_place_among_the_segments(under_test: PipelineUnderTest) -> None:
    recognizer, pipeline = under_test.recognizer, under_test.pipeline
    recognizer.hold(FIRST)
    pipeline.submit(CallStarted("c1", "audiosocket"))
    first, second = spoken("c1", [FIRST]), spoken("c1", [SECOND], start_at=2.1)
    under_test.submit_all(first)
    await until_recognition_started(under_test, FIRST)
    pipeline.submit(DtmfReceived("c1", "caller", "5", 2.0))
    under_test.submit_all(second)
    await until_recognition_finished(under_test, SECOND)
    recognizer.release(FIRST)
    await end_and_drain(under_test, "c1")

    assert under_test.entries("c1", "stored") == [
        "start",
        f"segment {FIRST}",
        "dtmf 5",
        f"segment {SECOND}",
        "end",
    ]


async def test_a_hangup_takes_effect_at_once_while_utterances_wait_for_recognition(
    under_test: PipelineUnderTest,
) -> None:
    recognizer, pipeline = under_test.recognizer, under_test.pipeline
    recognizer.hold(FIRST, SECOND, THIRD)
    pipeline.submit(CallStarted("c1", "twilio"))
    under_test.submit_all(spoken("c1", [FIRST, SECOND, THIRD]))
    await until_recognition_started(under_test, FIRST, SECOND, THIRD)

    pipeline.submit(CallEnded("c1", "hangup"))
    # No await in between: the hangup is handled when it is submitted, not
    # after the queued utterances.
    assert "c1" not in pipeline.active_call_ids
    # Audio arriving after the hangup is not listened to.
    under_test.submit_all(spoken("c1", [FOURTH], start_at=6.0))

    recognizer.release(FIRST, SECOND, THIRD)
    await pipeline.drain()
    assert FOURTH not in recognizer.started
    assert await under_test.stored_texts("c1") == [FIRST, SECOND, THIRD]
    call = await under_test.store.get_call("c1")
    assert call is not None and call.status == "ended"


async def test_one_calls_slow_recognition_does_not_hold_up_another(under_test: PipelineUnderTest) -> None:
    recognizer, pipeline = under_test.recognizer, under_test.pipeline
    recognizer.hold(FIRST)
    pipeline.submit(CallStarted("slow", "twilio"))
    pipeline.submit(CallStarted("quick", "twilio"))
    under_test.submit_all(spoken("slow", [FIRST]))
    await until_recognition_started(under_test, FIRST)
    under_test.submit_all(spoken("quick", [OTHER_FIRST, OTHER_SECOND]))
    await end_and_drain(under_test, "quick")

    assert await under_test.stored_texts("quick") == [OTHER_FIRST, OTHER_SECOND]
    assert under_test.entries("quick", "stored")[-1] == "end"
    assert await under_test.stored_texts("slow") == []
    recognizer.release(FIRST)
    await end_and_drain(under_test, "slow")
    assert await under_test.stored_texts("slow") == [FIRST]
