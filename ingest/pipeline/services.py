"""What a call session needs from the rest of the worker, in one place."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ingest.asr.base import StreamingRecognizer
from ingest.events import CallEnded, CallStarted, TranscriptSegment, UtteranceLate
from ingest.pipeline.recognition import RecognitionPool
from ingest.pipeline.spool import UtteranceSpool
from ingest.settings import IngestSettings

if TYPE_CHECKING:
    from ingest.bus import Bus
    from ingest.storage import CallStore
    from ingest.translation import LanguageDetector, Translator


class AlertHook(Protocol):
    async def on_call_started(self, event: CallStarted) -> Any: ...
    async def on_segment(self, segment: TranscriptSegment) -> Any: ...
    async def on_late_utterance(self, late: UtteranceLate) -> Any: ...
    async def on_call_ended(self, event: CallEnded) -> Any: ...


class EnrichmentHook(Protocol):
    def on_call_started(self, call_id: str, metadata: Mapping[str, str]) -> None: ...
    def on_call_ended(self, call_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class SegmentTiming:
    """Monotonic timestamps of one segment's trip, for the latency benchmark."""

    call_id: str
    last_voiced_at: float
    closed_at: float
    asr_started_at: float
    asr_finished_at: float
    stored_at: float
    published_at: float
    late: bool = False
    """Stored after it went late under overload (`recognition_queue`)."""

    @property
    def end_of_speech_wait(self) -> float:
        return self.closed_at - self.last_voiced_at

    @property
    def asr_queue_wait(self) -> float:
        """Waiting for a free recognition worker."""
        return max(0.0, self.asr_started_at - self.closed_at)

    @property
    def asr(self) -> float:
        return self.asr_finished_at - self.asr_started_at

    @property
    def rest(self) -> float:
        """After the engine: analysis, ordering, SQLite commit and publish."""
        return self.published_at - self.asr_finished_at

    @property
    def total(self) -> float:
        return self.published_at - self.last_voiced_at


@dataclass(frozen=True, slots=True)
class PipelineServices:
    settings: IngestSettings
    store: CallStore
    bus: Bus
    engine_name: str
    pool: RecognitionPool | None = None
    streaming_engine: StreamingRecognizer | None = None
    alerts: AlertHook | None = None
    enricher: EnrichmentHook | None = None
    translator: Translator | None = None
    detector: LanguageDetector | None = None
    home_language: str = "en"
    """The supervisors' language: other languages get a translation into it."""
    observer: Callable[[SegmentTiming], None] | None = None
    spool: UtteranceSpool | None = None
    """Utterance audio kept on disk until its segment is committed (batch engines)."""
    worker_id: str | None = None
    """The worker that receives this process's calls: stored on each call it starts
    (several workers share one store; see ingest.pipeline.fleet)."""
