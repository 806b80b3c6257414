"""Running utterance recognizers off the event loop.

Which utterance runs next, and what happens under overload, is decided by
`ingest.pipeline.recognition_queue` (newest first, late ones wait in the spool).

pocketsphinx holds the GIL while it decodes (measured: four decodes in
threads starved the event loop for 350 ms), so GIL-bound engines run in worker
*processes*; engines that release the GIL (faster-whisper's CTranslate2) run in
threads of this process and share one loaded model.
"""

from __future__ import annotations

import asyncio
import ctypes
import itertools
import logging
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from ingest.asr import create_engine
from ingest.asr.base import UtteranceRecognizer
from ingest.audio.resample import ASR_RATE, resample_pcm16
from ingest.audio.segmenter import SpeechSpan
from ingest.events import Recognition
from ingest.pipeline.recognition_queue import Postponed, QueueStats, RecognitionQueue
from ingest.settings import IngestSettings

log = logging.getLogger(__name__)

GIL_BOUND_ENGINES = frozenset({"sphinx"})
POOL_RESTARTS_PER_UTTERANCE = 2
"""How many new process pools one utterance may be tried on after its recognizer
process died (an engine that crashes on this audio every time must not restart forever)."""
_PR_SET_PDEATHSIG = 1
_PARENT_CHECK_S = 1.0


@dataclass(frozen=True, slots=True)
class TimedRecognition:
    recognition: Recognition
    started_at: float
    finished_at: float
    """`time.monotonic()` around the engine call (resampling included)."""


LATENCY_WINDOW_S = 60.0
"""End-of-speech-to-stored latency is summarised over this last stretch of time."""


@dataclass(frozen=True, slots=True)
class BacklogThresholds:
    """When the worker's health turns amber or red (the worse of the three wins).

    Defaults: transcripts more than 5 s behind the speech (p95, last minute) is
    noticeable to a supervisor watching a call, more than 15 s makes the live
    view useless for intervening; an utterance waiting 10 s / 30 s for an
    engine, or 30 s / 120 s of audio queued, means recognition cannot keep up
    with the calls and the lag is about to grow."""

    latency_p95_amber_s: float = 5.0
    latency_p95_red_s: float = 15.0
    oldest_waiting_amber_s: float = 10.0
    oldest_waiting_red_s: float = 30.0
    queued_audio_amber_s: float = 30.0
    queued_audio_red_s: float = 120.0


@dataclass(frozen=True, slots=True)
class BacklogSnapshot:
    queued_utterances: int
    queued_audio_s: float
    """Speech handed to the engines and not recognised yet."""
    oldest_waiting_s: float
    """How long the longest-waiting of those has waited (0 when none)."""
    latency_p95_s: float | None
    """End of speech (last voiced audio) to segment stored, p95 over `LATENCY_WINDOW_S`;
    None when nothing was stored in that time."""
    latency_samples: int

    def to_dict(self) -> dict[str, float | int | None]:
        return {
            "queued_utterances": self.queued_utterances,
            "queued_audio_s": round(self.queued_audio_s, 2),
            "oldest_waiting_s": round(self.oldest_waiting_s, 2),
            "latency_p95_s": None if self.latency_p95_s is None else round(self.latency_p95_s, 2),
            "latency_samples": self.latency_samples,
        }


def backlog_level(snapshot: BacklogSnapshot, limits: BacklogThresholds) -> tuple[str, list[str]]:
    """``ok``, ``amber`` or ``red`` for `snapshot`, with a sentence for each reason (pure)."""
    checks = (
        (snapshot.latency_p95_s, limits.latency_p95_amber_s, limits.latency_p95_red_s,
         "transcripts {:.0f} s behind the speech (p95, last minute)"),
        (snapshot.oldest_waiting_s, limits.oldest_waiting_amber_s, limits.oldest_waiting_red_s,
         "an utterance has waited {:.0f} s for recognition"),
        (snapshot.queued_audio_s, limits.queued_audio_amber_s, limits.queued_audio_red_s,
         "{:.0f} s of speech queued for recognition"),
    )  # fmt: skip
    level, reasons = "ok", []
    for value, amber, red, sentence in checks:
        if value is None or value <= amber:
            continue
        reasons.append(sentence.format(value))
        if value > red:
            level = "red"
        elif level == "ok":
            level = "amber"
    return level, reasons


class RecognitionBacklog:
    """What recognition still owes and how late it delivers; read by the worker's
    health. All times are `time.monotonic()` (injectable for tests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._waiting: dict[int, tuple[float, float]] = {}  # token -> (since, audio seconds)
        self._tokens = itertools.count()
        self._latencies: deque[tuple[float, float]] = deque()  # (stored at, latency)

    def submitted(self, audio_s: float) -> int:
        token = next(self._tokens)
        self._waiting[token] = (self._clock(), audio_s)
        return token

    def finished(self, token: int) -> None:
        self._waiting.pop(token, None)

    def stored(self, end_of_speech_at: float, stored_at: float) -> None:
        self._latencies.append((stored_at, max(0.0, stored_at - end_of_speech_at)))
        self._forget_old(stored_at)

    def snapshot(self) -> BacklogSnapshot:
        now = self._clock()
        self._forget_old(now)
        waiting = list(self._waiting.values())
        latencies = sorted(latency for _, latency in self._latencies)
        return BacklogSnapshot(
            queued_utterances=len(waiting),
            queued_audio_s=sum(audio for _, audio in waiting),
            oldest_waiting_s=max((now - since for since, _ in waiting), default=0.0),
            latency_p95_s=_nearest_rank(latencies, 0.95) if latencies else None,
            latency_samples=len(latencies),
        )

    def _forget_old(self, now: float) -> None:
        while self._latencies and self._latencies[0][0] < now - LATENCY_WINDOW_S:
            self._latencies.popleft()


def _nearest_rank(ordered: list[float], fraction: float) -> float:
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


Outcome = TimedRecognition | Postponed[TimedRecognition]
"""What a live utterance's future brings: its recognition, or word that it went late."""


class RecognitionPool:
    """Recognizes `SpeechSpan`s concurrently, through the bounded queue; results
    come back as futures."""

    def __init__(
        self,
        engine: UtteranceRecognizer,
        settings: IngestSettings,
        keywords: tuple[str, ...] = (),
        backlog: RecognitionBacklog | None = None,
    ) -> None:
        """`keywords` are the alert keywords the workers' engines boost (the
        process pool builds its own engines; a thread pool uses `engine` as it is)."""
        self.engine_name = engine.name
        self.backlog = backlog or RecognitionBacklog()
        workers = max(1, settings.asr_threads)
        self._executor: Executor
        self.pool_restarts = 0
        """Times a recognizer process died (a crash in the engine, the OOM killer) and
        the pool was started again."""
        if engine.name in GIL_BOUND_ENGINES:
            worker_settings = settings.model_copy(update={"asr": engine.name})
            self._new_process_pool: Callable[[], Executor] | None = lambda: ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(worker_settings, os.getpid(), keywords),
            )
            self._executor = self._new_process_pool()
            self._local_engine: UtteranceRecognizer | None = None
        else:
            self._new_process_pool = None
            self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="asr")
            self._local_engine = engine
        self.queue: RecognitionQueue[TimedRecognition] = RecognitionQueue(
            self._run,
            slots=workers,
            bound_s=settings.recognition_queue_s,
            deadline_s=settings.recognition_deadline_s,
            newest_first=settings.recognition_newest_first,
        )

    async def warm_up(self) -> None:
        """Start worker processes and load models before the first call."""
        loop = asyncio.get_running_loop()
        silence = SpeechSpan(0.0, 0.1, bytes(3200), ASR_RATE, 0.1)
        await loop.run_in_executor(self._executor, _recognize, silence, self._local_engine, None)

    def schedule(
        self,
        call_id: str,
        span: SpeechSpan,
        language: str | None,
        spooled: Path | None = None,
        *,
        live: bool = True,
    ) -> asyncio.Future[Outcome]:
        """Queue one utterance of `call_id` (its audio in the spool at `spooled`);
        `language`: what the engine is asked for (`ingest.call_language.language_to_ask`).
        Live speech may come back `Postponed` (see `recognition_queue`)."""
        token = self.backlog.submitted(span.end - span.start)
        future = self.queue.submit(call_id, span, language, spooled, live=live)
        future.add_done_callback(lambda done: self._settle(done, token))
        return future

    def recognize(
        self, span: SpeechSpan, language: str | None = None, spooled: Path | None = None
    ) -> asyncio.Future[TimedRecognition]:
        """Recognise speech that is not live (recovery): queued behind live speech, never
        late. With `spooled` the audio waits on disk, not in memory (`span.pcm` may be empty)."""
        return cast(
            "asyncio.Future[TimedRecognition]", self.schedule("", span, language, spooled, live=False)
        )

    def stats(self) -> QueueStats:
        return self.queue.stats()

    def _settle(self, done: asyncio.Future[Outcome], token: int) -> None:
        """The backlog forgets an utterance once it is recognised, late ones included."""
        if not done.cancelled() and done.exception() is None:
            outcome = done.result()
            if isinstance(outcome, Postponed):
                outcome.later.add_done_callback(lambda _: self.backlog.finished(token))
                return
        self.backlog.finished(token)

    async def _run(self, span: SpeechSpan, language: str | None) -> TimedRecognition:
        """One utterance on the pool. A recognizer process that died breaks the whole
        `ProcessPoolExecutor` for good (every later call fails at once): a new pool is
        started and the utterance tried again, up to `POOL_RESTARTS_PER_UTTERANCE`
        times, so one bad moment costs no call its transcript."""
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            executor = self._executor
            try:
                return await loop.run_in_executor(executor, _recognize, span, self._local_engine, language)
            except BrokenProcessPool:
                if attempt >= POOL_RESTARTS_PER_UTTERANCE:
                    raise
                attempt += 1
                self._replace_broken(executor)

    def _replace_broken(self, broken: Executor) -> None:
        if broken is not self._executor or self._new_process_pool is None:
            return  # another utterance already replaced it
        self.pool_restarts += 1
        log.error(
            "a speech-to-text process died; starting a new pool (%d restarts so far)", self.pool_restarts
        )
        broken.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new_process_pool()

    def close(self) -> None:
        self.queue.close()
        self._executor.shutdown(wait=False, cancel_futures=True)


_worker_engine: UtteranceRecognizer | None = None


def _init_worker(settings: IngestSettings, parent: int, keywords: tuple[str, ...] = ()) -> None:
    global _worker_engine
    # Ctrl-C reaches the whole process group; the parent finishes the calls in
    # progress and then shuts the pool down, so workers must not die first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent(parent)
    engine = create_engine(settings, keywords)
    assert isinstance(engine, UtteranceRecognizer)
    _worker_engine = engine


def _exit_with_parent(parent: int) -> None:
    """A recognizer whose worker was killed (-9 included) must not live on: the
    kernel signals it where it can (Linux), and a watchdog thread checks anyway."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass  # the watchdog below still works
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _recognize(
    span: SpeechSpan, engine: UtteranceRecognizer | None, language: str | None
) -> TimedRecognition:
    started = time.monotonic()
    engine = engine or _worker_engine
    if engine is None:
        raise RuntimeError("recognition worker was not initialised")
    pcm = resample_pcm16(span.pcm, span.sample_rate, ASR_RATE)
    recognition = engine.recognize(pcm, language)
    return TimedRecognition(recognition, started, time.monotonic())
