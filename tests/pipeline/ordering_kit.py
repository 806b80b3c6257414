"""A call pipeline without a speech engine, instrumented to show the order of things.

`PitchRecognizer` stands in for speech-to-text: every utterance is a voiced
tone whose pitch says which line it is, and each line can be held back
(a gate) so that recognition finishes in any order a test wants. The store
and the bus are the real ones (SQLite file, in-process bus), wrapped to write
down what they did into one shared timeline; the bus also checks, at the
moment of publishing, what another SQLite connection can already read, which
is what a dashboard opening the database would see.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.bus import MemoryBus
from ingest.events import (
    AudioReceived,
    CallEnded,
    CallStarted,
    CallSummary,
    DtmfReceived,
    Event,
    Recognition,
    TranscriptSegment,
)
from ingest.pipeline import CallPipeline, PipelineServices
from ingest.pipeline.recognition import RecognitionPool
from ingest.settings import IngestSettings
from ingest.storage import CallStore
from tests.support.audio import dominant_frequency, silence, voiced_tone
from tests.support.waiting import HANG_GUARD_S

ASR_RATE = 16000
CHUNK_S = 0.02
TELEPHONE_RATE = 8000

LINES: dict[float, str] = {
    150.0: "first line",
    200.0: "second line",
    250.0: "third line",
    300.0: "fourth line",
    350.0: "other call first line",
    400.0: "other call second line",
}
PITCH_OF = {text: pitch for pitch, text in LINES.items()}


class PitchRecognizer:
    """An `UtteranceRecognizer` that hears a line's text in its tone's pitch."""

    name = "pitch-lines"

    def __init__(self, lines: Mapping[float, str] = LINES) -> None:
        self.lines = dict(lines)
        self._gates = {text: threading.Event() for text in self.lines.values()}
        for gate in self._gates.values():
            gate.set()
        self._lock = threading.Lock()
        self.started: list[str] = []
        """Lines whose recognition began, in that order (engine threads append)."""
        self.finished: list[str] = []
        """Lines whose recognition returned, in that order."""

    def hold(self, *texts: str) -> None:
        """Recognition of these lines waits until `release`."""
        for text in texts:
            self._gates[text].clear()

    def release(self, *texts: str) -> None:
        for text in texts:
            self._gates[text].set()

    def release_all(self) -> None:
        self.release(*self._gates)

    def recognize(self, pcm16k: bytes, language: str | None = None) -> Recognition:
        if not any(pcm16k):
            return Recognition("", 0.0, "en")  # pure silence: nothing was said
        pitch = dominant_frequency(pcm16k, ASR_RATE)
        text = self.lines[min(self.lines, key=lambda known: abs(known - pitch))]
        with self._lock:
            self.started.append(text)
        if not self._gates[text].wait(HANG_GUARD_S):
            raise RuntimeError(f"the test never released {text!r}")
        with self._lock:
            self.finished.append(text)
        return Recognition(text, 0.9, "en")


def describe(event: Event) -> str:
    """A short timeline entry for an event: 'segment first line', 'end', 'dtmf 5'."""
    if isinstance(event, TranscriptSegment):
        return f"segment {event.text}"
    if isinstance(event, CallStarted):
        return "start"
    if isinstance(event, CallEnded):
        return "end"
    if isinstance(event, CallSummary):
        return f"summary {event.status}"
    if isinstance(event, DtmfReceived):
        return f"dtmf {event.digit}"
    return type(event).__name__


class RecordingStore(CallStore):
    """The real CallStore, writing down each write once it has returned."""

    timeline: list[str]

    async def start_call(self, event: CallStarted, worker_id: str | None = None) -> CallSummary:
        summary = await super().start_call(event, worker_id)
        self.timeline.append(f"stored {event.call_id} start")
        return summary

    async def add_segment(self, segment: TranscriptSegment) -> TranscriptSegment:
        stored = await super().add_segment(segment)
        self.timeline.append(f"stored {segment.call_id} segment {segment.text}")
        return stored

    async def add_call_event(self, call_id: str, kind: str, payload: Mapping[str, Any], at: float) -> None:
        await super().add_call_event(call_id, kind, payload, at)
        self.timeline.append(f"stored {call_id} {kind} {payload.get('digit', '')}".rstrip())

    async def end_call(self, event: CallEnded) -> CallSummary:
        summary = await super().end_call(event)
        self.timeline.append(f"stored {event.call_id} end")
        return summary


class CommitCheckingBus(MemoryBus):
    """The in-process bus; at each publish it notes what the database already holds."""

    def __init__(self, db_path: Path, timeline: list[str]) -> None:
        super().__init__()
        self.db_path = db_path
        self.timeline = timeline
        self.published_uncommitted: list[str] = []
        """Events published before another connection could read them in SQLite."""

    async def publish(self, event: Event) -> None:
        call_id = getattr(event, "call_id", "?")
        self.timeline.append(f"published {call_id} {describe(event)}")
        if not self._committed(event):
            self.published_uncommitted.append(f"{call_id} {describe(event)}")
        await super().publish(event)

    def _committed(self, event: Event) -> bool:
        # A separate connection sees only committed transactions.
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as reader:
            if isinstance(event, TranscriptSegment):
                query, args = "SELECT 1 FROM segments WHERE id = ? AND text = ?", (event.id, event.text)
            elif isinstance(event, CallStarted):
                query, args = "SELECT 1 FROM calls WHERE id = ?", (event.call_id,)
            elif isinstance(event, CallEnded):
                query, args = "SELECT 1 FROM calls WHERE id = ? AND status = 'ended'", (event.call_id,)
            else:
                return True
            return reader.execute(query, args).fetchone() is not None


@dataclass
class PipelineUnderTest:
    pipeline: CallPipeline
    store: RecordingStore
    bus: CommitCheckingBus
    recognizer: PitchRecognizer
    pool: RecognitionPool
    timeline: list[str]

    def submit_all(self, events: Iterator[AudioReceived] | list[AudioReceived]) -> None:
        for event in events:
            self.pipeline.submit(event)

    def entries(self, call_id: str, prefix: str) -> list[str]:
        """Timeline entries of one call and kind ('stored' or 'published'), prefix removed."""
        start = f"{prefix} {call_id} "
        return [entry[len(start) :] for entry in self.timeline if entry.startswith(start)]

    async def stored_texts(self, call_id: str) -> list[str]:
        """Segments as SQLite holds them, in the order they were inserted."""
        segments = await self.store.list_segments(call_id)
        return [s.text for s in sorted(segments, key=lambda s: s.id or 0)]


async def open_pipeline(db_path: Path, recognizer: PitchRecognizer) -> PipelineUnderTest:
    # More recognition threads than lines a test holds back at once, so held
    # lines never stop the others from being recognised.
    # The utterances are synthetic tones: webrtcvad takes them for voice, Silero (rightly) does not.
    settings = IngestSettings(db_path=db_path, asr_threads=6, vad_engine="webrtc")
    timeline: list[str] = []
    store = await RecordingStore.open(db_path)
    store.timeline = timeline
    bus = CommitCheckingBus(db_path=db_path, timeline=timeline)
    pool = RecognitionPool(recognizer, settings)
    pipeline = CallPipeline(
        PipelineServices(settings=settings, store=store, bus=bus, engine_name=recognizer.name, pool=pool)
    )
    return PipelineUnderTest(pipeline, store, bus, recognizer, pool, timeline)


async def close_pipeline(under_test: PipelineUnderTest) -> None:
    under_test.recognizer.release_all()
    await under_test.pipeline.close()
    under_test.pool.close()
    await under_test.bus.close()
    await under_test.store.close()


def spoken(
    call_id: str,
    lines: list[str],
    *,
    speaker: str = "caller",
    start_at: float = 0.0,
    trailing_silence: bool = True,
) -> list[AudioReceived]:
    """Audio of `lines` said one after another, as an adapter delivers it (20 ms chunks).

    Each line is 0.8 s of its tone then 1 s of silence (enough to end an
    utterance); without `trailing_silence` the last line is still being said
    when the audio stops, so only the hangup ends it.
    """
    pcm = bytearray(silence(0.3))
    for index, text in enumerate(lines):
        pcm += voiced_tone(PITCH_OF[text], 0.8)
        if trailing_silence or index < len(lines) - 1:
            pcm += silence(1.0)
    chunk = int(CHUNK_S * TELEPHONE_RATE) * 2
    return [
        AudioReceived(
            call_id,
            speaker,  # type: ignore[arg-type]
            bytes(pcm[offset : offset + chunk]),
            TELEPHONE_RATE,
            start_at + offset / 2 / TELEPHONE_RATE,
        )
        for offset in range(0, len(pcm), chunk)
    ]
