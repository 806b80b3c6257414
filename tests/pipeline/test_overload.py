"""Overload, as it happens: a flooding AudioSocket sender, and more speech than the engine can take.

A real worker on loopback (AudioSocket, SQLite, the spool) with a speech-to-text
stand-in of fixed cost per utterance (`bench.crash_worker.SlowNumberedRecognizer`),
fed real speech over real sockets.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from app.worker import IngestWorker
from bench.crash_worker import LINES, SlowNumberedRecognizer
from ingest.settings import IngestSettings
from simulator.audiosocket_dialer import AudioSocketDialer
from simulator.speech import speak
from tests.support.loopback import loopback_settings
from tests.support.replay import UNPACED
from tests.support.waiting import wait_until

SPOKEN = LINES[:3]


def three_lines() -> bytes:
    """Three lines of real speech, 8 kHz s16le, a second of silence after each."""
    silence = bytes(8000 * 2)
    return b"".join(speak(line, "caller") + silence for line in SPOKEN)


def settings(tmp_path: Path, **values: Any) -> IngestSettings:
    return loopback_settings(tmp_path, **values)


async def dial(worker: IngestWorker, call_id: uuid.UUID) -> AudioSocketDialer:
    dialer = AudioSocketDialer()
    await dialer.connect("127.0.0.1", worker.audiosocket_port, call_id)
    return dialer


@pytest.mark.timeout(120)
async def test_a_flooding_sender_is_cut_off_while_a_real_call_stays_current(tmp_path: Path) -> None:
    audio = await asyncio.to_thread(three_lines)
    async with IngestWorker(
        settings(tmp_path), engine=SlowNumberedRecognizer(0.05), alerts_enabled=False
    ) as worker:
        good_id, flood_id = uuid.uuid4(), uuid.uuid4()
        good = await dial(worker, good_id)
        loop = asyncio.get_running_loop()
        flood_opened = loop.time()
        flood = await dial(worker, flood_id)
        await wait_until(lambda: len(worker.pipeline.active_call_ids) == 2, message="both calls started")

        async def flood_it() -> None:
            # 60 s of speech as fast as loopback takes it: far beyond 50x real time.
            try:
                await flood.send_audio(audio * 6)
            except ConnectionError:
                pass  # the worker hung up on us mid-flood: that is the point

        await asyncio.gather(flood_it(), good.send_audio(audio, realtime=True))
        # The lines before the last were stored while the good call was still live:
        # they did not queue behind the flood.
        stored_live = await worker.store.list_segments(str(good_id))
        await asyncio.wait_for(flood.closed_by_server.wait(), 30)
        flood_lasted = loop.time() - flood_opened  # real time the flood had: it may send that much
        await good.hangup()
        await good.close()
        await flood.close()
        await wait_until(lambda: not worker.pipeline.active_call_ids, message="both calls ended")
        await worker.pipeline.drain()

        health = worker.health()
        good_segments = await worker.store.list_segments(str(good_id))
        flood_segments = await worker.store.list_segments(str(flood_id))

    assert len(stored_live) >= len(SPOKEN) - 1, "the real call's lines are stored as it speaks"
    assert len(good_segments) == len(SPOKEN)
    assert not any(segment.late for segment in good_segments)
    assert health["refused_calls"].get("audio-flood") == 1
    assert health["pacing"]["audiosocket_floods_closed"] == 1
    assert health["pacing"]["audiosocket_audio_dropped_s"] >= 10, "the flood threshold"
    with sqlite3.connect(tmp_path / "calls.db") as db:
        (end_reason,) = db.execute("SELECT end_reason FROM calls WHERE id = ?", (str(flood_id),)).fetchone()
    assert end_reason.startswith("flood")
    heard = sum(segment.end - segment.start for segment in flood_segments)
    burst = IngestSettings().audio_burst_s
    assert heard <= burst + flood_lasted + 0.1, "no more of the flood than the burst reached recognition"


@pytest.mark.timeout(120)
async def test_overload_keeps_memory_bounded_and_stores_every_line_late_ones_marked(
    tmp_path: Path,
) -> None:
    """Four calls dialled at once bring 12 lines to one engine slot of 0.4 s a line;
    memory may hold 4 s of speech and a line may wait 1.5 s."""
    audio = await asyncio.to_thread(three_lines)
    bound_s = 4.0
    peaks = {"fresh_audio_s": 0.0, "in_flight": 0}
    async with IngestWorker(
        settings(tmp_path, recognition_queue_s=bound_s, recognition_deadline_s=1.5, **UNPACED),
        engine=SlowNumberedRecognizer(0.4),
        alerts_enabled=False,
    ) as worker:
        watching = True

        async def watch_memory() -> None:
            while watching:
                queue = worker.health()["recognition"]
                for key in peaks:
                    peaks[key] = max(peaks[key], queue[key])
                await asyncio.sleep(0.005)

        watcher = asyncio.create_task(watch_memory())
        call_ids = [uuid.uuid4() for _ in range(4)]
        dialers = [await dial(worker, call_id) for call_id in call_ids]
        await asyncio.gather(*(dialer.send_audio(audio) for dialer in dialers))
        for dialer in dialers:
            await dialer.hangup()
            await dialer.close()
        await wait_until(lambda: not worker.pipeline.active_call_ids, message="every call ended")
        await worker.pipeline.drain()
        watching = False
        await watcher
        late_total = worker.health()["recognition"]["late_total"]
        per_call = {str(c): await worker.store.list_segments(str(c)) for c in call_ids}
        assert worker.spool is not None and len(worker.spool) == 0, "the spool is empty once all is stored"

    assert peaks["fresh_audio_s"] <= bound_s, "memory held more speech than the bound"
    assert peaks["in_flight"] <= 1
    segments = [segment for call in per_call.values() for segment in call]
    assert all(len(call) == len(SPOKEN) for call in per_call.values()), "every line of every call stored"
    assert len({segment.id for segment in segments}) == len(segments)
    late = [segment for segment in segments if segment.late]
    assert late, "this load must push lines late"
    assert len(late) == late_total
    for call in per_call.values():
        starts = [segment.start for segment in call]
        assert starts == sorted(set(starts)), "each line once, listed in spoken order"
        on_time = [segment for segment in call if not segment.late]
        assert [s.id for s in on_time] == sorted(s.id for s in on_time), "on-time lines stored in order"
