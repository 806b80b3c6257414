"""The listen-in tap: copies a live call's audio, drops old audio for slow listeners, never blocks."""

from __future__ import annotations

import asyncio

from ingest.events import AudioReceived, CallEnded, DtmfReceived
from ingest.pipeline.listen import ListenTap


def audio(call_id: str, n: int, speaker: str = "caller") -> AudioReceived:
    return AudioReceived(call_id, speaker, n.to_bytes(2, "little") * 160, 8000, n * 0.02)  # type: ignore[arg-type]


async def test_frames_reach_the_listeners_of_their_call_only() -> None:
    tap = ListenTap()
    with tap.listen("c1") as mine, tap.listen("c2") as other:
        tap.feed(audio("c1", 1))
        tap.feed(audio("c1", 2, "agent"))
        first = await mine.next_frame()
        second = await mine.next_frame()
        assert first is not None and second is not None
        assert (first.pcm[:2], first.speaker, first.sample_rate) == (
            (1).to_bytes(2, "little"),
            "caller",
            8000,
        )
        assert second.speaker == "agent"
        assert other.delivered == 0 and not other._frames


async def test_one_party_only() -> None:
    tap = ListenTap()
    with tap.listen("c1", "agent") as listener:
        tap.feed(audio("c1", 1, "caller"))
        tap.feed(audio("c1", 2, "agent"))
        tap.feed(audio("c1", 3, "unknown"))  # a mixed leg is all such a call has
        frames = [await listener.next_frame() for _ in range(2)]
        assert [f.speaker for f in frames if f] == ["agent", "unknown"]
        assert not listener._frames


async def test_a_slow_listener_loses_the_oldest_audio_and_feeding_never_waits() -> None:
    tap = ListenTap(max_queue_frames=10)
    with tap.listen("c1") as slow:
        for n in range(1000):  # nobody reads: feed must return at once every time
            tap.feed(audio("c1", n))
        assert slow.dropped == 990
        kept = [await slow.next_frame() for _ in range(10)]
        # The newest audio is kept: a listener hears the present, not the past.
        assert [int.from_bytes(f.pcm[:2], "little") for f in kept if f] == list(range(990, 1000))


async def test_a_slow_listener_does_not_hold_back_a_fast_one() -> None:
    tap = ListenTap(max_queue_frames=5)
    with tap.listen("c1") as slow, tap.listen("c1") as fast:
        for n in range(50):
            tap.feed(audio("c1", n))
            frame = await fast.next_frame()
            assert frame is not None and frame.pcm[:2] == n.to_bytes(2, "little")
        assert fast.dropped == 0 and slow.dropped == 45


async def test_a_waiting_listener_wakes_for_the_next_frame_and_ends_with_the_call() -> None:
    tap = ListenTap()
    with tap.listen("c1") as listener:
        waiting = asyncio.create_task(listener.next_frame())
        await asyncio.sleep(0)
        assert not waiting.done()
        tap.feed(DtmfReceived("c1", "caller", "5", 0.0))
        tap.feed(audio("c1", 7))
        frame = await asyncio.wait_for(waiting, 5)
        assert frame is not None
        tap.feed(CallEnded("c1", "hangup"))
        assert await asyncio.wait_for(listener.next_frame(), 5) is None


async def test_leaving_unsubscribes() -> None:
    tap = ListenTap()
    with tap.listen("c1"):
        assert tap.listener_count("c1") == 1
    assert tap.listener_count() == 0
    tap.feed(audio("c1", 1))  # no listeners: nothing kept
