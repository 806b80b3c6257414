"""A disclosure that goes late under overload cannot raise a false missing_disclosure.

A real worker on loopback (AudioSocket: one mixed stream, judged as the agent's),
SQLite, the spool and the alert service, fed real speech over a real socket. One
engine slot and a stand-in engine of fixed cost: the call's first line takes the
slot, the two behind it wait, the newest is recognised first, so the middle
line (the disclosure) goes late and comes back after the line past the deadline.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest

from alerts.config import settings_from_mapping
from app.worker import ComponentSettings, IngestWorker
from ingest.events import Recognition
from simulator.audiosocket_dialer import AudioSocketDialer
from simulator.speech import speak
from tests.support.loopback import loopback_settings
from tests.support.replay import UNPACED
from tests.support.waiting import wait_until

RATE = 8000
GAP_S = 1.0
FRAME_BYTES = 320
FIRST_LINE_S = 2.5
OPENING = "hello there"
DISCLOSURE = "before we start I need to tell you something important about how we handle calls today"
NEXT = "right then"


class LongestLineIsTheDisclosure:
    """Hears any utterance longer than `threshold_s` as `said`, every other one as a greeting."""

    name = "stand-in"

    def __init__(self, threshold_s: float, said: str) -> None:
        self._threshold_s = threshold_s
        self._said = said
        self._first = True

    def recognize(self, pcm16k: bytes, language: str | None = None) -> Recognition:
        # The first line holds the one slot until the rest of the call has been heard
        # and waits (the whole call is sent at once), even on a busy machine.
        time.sleep(FIRST_LINE_S if self._first else 0.2)
        self._first = False
        long = len(pcm16k) / 32000 > self._threshold_s
        return Recognition(self._said if long else "yes hello", 0.9, "en")


def seconds(pcm: bytes) -> float:
    return len(pcm) / (2 * RATE)


async def late_disclosure_call(tmp_path: Path, said: str) -> tuple[list, list]:
    lines = [await asyncio.to_thread(speak, text, "agent") for text in (OPENING, DISCLOSURE, NEXT)]
    opening, disclosure, after = (seconds(pcm) for pcm in lines)
    assert disclosure > 2 * max(opening, after), "the stand-in tells the lines apart by length"
    silence = bytes(int(GAP_S * RATE) * 2)
    audio = b"".join(pcm + silence for pcm in lines)
    audio += bytes(-len(audio) % FRAME_BYTES)  # whole 20 ms frames only
    disclosure_starts = opening + GAP_S
    next_starts = disclosure_starts + disclosure + GAP_S
    # The deadline falls between the disclosure's start and the next line's.
    within_s = round((disclosure_starts + next_starts) / 2, 1)
    alerts = settings_from_mapping({"rules": {"missing_disclosure": {"within_s": within_s}}})
    settings = loopback_settings(tmp_path, recognition_newest_first=True, **UNPACED)
    engine = LongestLineIsTheDisclosure((opening + after + disclosure) / 3 + 0.5, said)
    call_id = uuid.uuid4()
    async with IngestWorker(settings, ComponentSettings(alerts=alerts), engine=engine) as worker:
        dialer = AudioSocketDialer()
        await dialer.connect("127.0.0.1", worker.audiosocket_port, call_id)
        await dialer.send_audio(audio)
        await dialer.hangup()
        await dialer.close()
        await wait_until(lambda: not worker.pipeline.active_call_ids, message="the call ended", timeout=60)
        await worker.pipeline.drain()
        segments = await worker.store.list_segments(str(call_id))
        assert worker.alerts is not None
        alerts = await worker.alerts.store.list_alerts(call_id=str(call_id))
    return segments, alerts


@pytest.mark.timeout(120)
async def test_a_disclosure_gone_late_still_counts(tmp_path: Path) -> None:
    segments, alerts = await late_disclosure_call(tmp_path, "this call may be recorded for training")
    late = [segment for segment in segments if segment.late]
    assert [segment.text for segment in late] == ["this call may be recorded for training"], (
        "the load must push the disclosure, and only it, late"
    )
    assert not [alert for alert in alerts if "missing_disclosure" in alert.rules]


@pytest.mark.timeout(120)
async def test_a_late_line_without_the_phrase_raises_the_held_alert_once(tmp_path: Path) -> None:
    segments, alerts = await late_disclosure_call(tmp_path, "let me pull up your account for you now")
    assert [segment.late for segment in segments] == [False, True, False]
    fired = [alert for alert in alerts if "missing_disclosure" in alert.rules]
    assert len(fired) == 1
