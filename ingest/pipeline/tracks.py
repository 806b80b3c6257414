"""One speaker's audio inside a call, on its way to speech-to-text.

`BatchTrack` cuts utterances itself (voice activity) and hands each to the
recognition pool; `StreamingTrack` forwards audio to a streaming engine that
cuts utterances on its side. Both report finished utterances through the
same callback, so the call session does not care which engine runs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.asr.base import StreamingRecognizer, StreamResult
from ingest.audio.segmenter import SpeechSpan, TrackSegmenter
from ingest.events import InterimTranscript, Speaker
from ingest.pipeline.recognition import Outcome, RecognitionPool, TimedRecognition
from ingest.pipeline.spool import UtteranceSpool
from ingest.settings import VadSettings
from ingest.tasks import spawn

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HeardUtterance:
    """An utterance whose recognition is under way (or done)."""

    speaker: Speaker
    start: float
    end: float
    recognition: asyncio.Future[Outcome] | asyncio.Future[TimedRecognition]
    """Its recognition, or (live speech under overload) `Postponed`: see `recognition_queue`."""
    last_voiced_at: float
    """`time.monotonic()` when the frame that ended the speech arrived."""
    closed_at: float
    """`time.monotonic()` when the utterance was cut."""
    spooled: Path | None = None
    """Its audio in the durable spool, removed once its segment is committed."""


OnUtterance = Callable[[HeardUtterance], None]
OnInterim = Callable[[InterimTranscript], Awaitable[None]]


class BatchTrack:
    """Voice-activity segmentation + a recognition pool."""

    def __init__(
        self,
        call_id: str,
        speaker: Speaker,
        sample_rate: int,
        vad: VadSettings,
        pool: RecognitionPool,
        on_utterance: OnUtterance,
        spool: UtteranceSpool | None = None,
        language: str | None = None,
        *,
        live: bool = True,
    ) -> None:
        """`language`: what the engine is asked for (None: it detects); `live` speech
        is recognised newest first and may go late under overload (imports are not live)."""
        self.call_id = call_id
        self.language = language
        self.speaker = speaker
        self.sample_rate = sample_rate
        self._segmenter = TrackSegmenter(vad, sample_rate)
        self._pool = pool
        self._spool = spool
        self._live = live
        self._on_utterance = on_utterance
        self._voiced_end = -1.0
        self._voiced_arrival = 0.0

    def feed(self, pcm: bytes, audio_time: float) -> None:
        arrived = time.monotonic()
        voiced_before = self._segmenter.segmenter.voiced_seen
        spans = self._segmenter.feed(pcm, audio_time)
        for span in spans:
            self._emit(span, arrived)
        if self._segmenter.segmenter.voiced_seen != voiced_before:
            self._voiced_arrival = arrived

    async def finish(self) -> None:
        for span in self._segmenter.flush():
            self._emit(span, time.monotonic())

    def _emit(self, span: SpeechSpan, arrived: float) -> None:
        # Spooled before it is queued: a crash from here on loses nothing.
        spooled = self._spool.put(self.call_id, self.speaker, span) if self._spool is not None else None
        self._on_utterance(
            HeardUtterance(
                speaker=self.speaker,
                start=span.start,
                end=span.end,
                recognition=self._pool.schedule(self.call_id, span, self.language, spooled, live=self._live),
                last_voiced_at=self._voiced_arrival or arrived,
                closed_at=time.monotonic(),
                spooled=spooled,
            )
        )


class StreamingTrack:
    """Audio forwarded to a streaming engine, finals and interims read back."""

    def __init__(
        self,
        call_id: str,
        speaker: Speaker,
        sample_rate: int,
        engine: StreamingRecognizer,
        on_utterance: OnUtterance,
        on_interim: OnInterim,
        language: str | None = None,
    ) -> None:
        self.call_id = call_id
        self.language = language
        self.speaker = speaker
        self.sample_rate = sample_rate
        self._engine = engine
        self._on_utterance = on_utterance
        self._on_interim = on_interim
        self._outbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._last_audio_at = 0.0
        self._task = spawn(self._run(), name=f"stream-{call_id}-{speaker}")

    def feed(self, pcm: bytes, audio_time: float) -> None:
        self._last_audio_at = time.monotonic()
        self._outbox.put_nowait(pcm)

    async def finish(self) -> None:
        self._outbox.put_nowait(None)
        await asyncio.wait({self._task})

    async def _run(self) -> None:
        try:
            stream = await self._engine.open_stream(self.sample_rate, self.language)
        except Exception as error:
            log.error(
                "call %s %s: %s could not open a stream: %s",
                self.call_id,
                self.speaker,
                self._engine.name,
                error,
            )
            return
        reader = spawn(self._read(stream.results()), name=f"stream-results-{self.call_id}")
        try:
            while (pcm := await self._outbox.get()) is not None:
                await stream.send(pcm)
        except Exception as error:
            log.error(
                "call %s %s: streaming to %s failed: %s", self.call_id, self.speaker, self._engine.name, error
            )
        finally:
            try:
                await stream.close()
            except Exception as error:
                log.warning(
                    "call %s: closing the %s stream failed: %s", self.call_id, self._engine.name, error
                )
            await asyncio.wait({reader})

    async def _read(self, results: AsyncIterator[StreamResult]) -> None:
        async for result in results:
            if result.is_final:
                if result.recognition.text.strip():
                    self._emit_final(result)
            elif result.recognition.text.strip():
                await self._on_interim(
                    InterimTranscript(self.call_id, self.speaker, result.start, result.recognition.text)
                )

    def _emit_final(self, result: StreamResult) -> None:
        now = time.monotonic()
        future: asyncio.Future[TimedRecognition] = asyncio.get_running_loop().create_future()
        future.set_result(TimedRecognition(result.recognition, now, now))
        self._on_utterance(
            HeardUtterance(
                speaker=self.speaker,
                start=result.start,
                end=result.end,
                recognition=future,
                last_voiced_at=self._last_audio_at,
                closed_at=now,
            )
        )


Track = BatchTrack | StreamingTrack
