"""Running utterance recognizers off the event loop.

pocketsphinx holds the GIL while it decodes (measured: four decodes in
threads starved the event loop for 350 ms), so GIL-bound engines run in worker
*processes*; engines that release the GIL (faster-whisper's CTranslate2) run in
threads of this process and share one loaded model.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace

from ingest.asr import create_engine
from ingest.asr.base import UtteranceRecognizer
from ingest.audio.resample import ASR_RATE, resample_pcm16
from ingest.audio.segmenter import SpeechSpan
from ingest.events import Recognition
from ingest.settings import IngestSettings

GIL_BOUND_ENGINES = frozenset({"sphinx"})
_PR_SET_PDEATHSIG = 1
_PARENT_CHECK_S = 1.0


@dataclass(frozen=True, slots=True)
class TimedRecognition:
    recognition: Recognition
    started_at: float
    finished_at: float
    """`time.monotonic()` around the engine call (resampling included)."""


class RecognitionPool:
    """Recognizes `SpeechSpan`s concurrently; results come back as futures."""

    def __init__(
        self, engine: UtteranceRecognizer, settings: IngestSettings, keywords: tuple[str, ...] = ()
    ) -> None:
        """`keywords` are the alert keywords the workers' engines boost (the
        process pool builds its own engines; a thread pool uses `engine` as it is)."""
        self.engine_name = engine.name
        workers = max(1, settings.asr_threads)
        self._executor: Executor
        if engine.name in GIL_BOUND_ENGINES:
            worker_settings = replace(settings, asr=engine.name)
            self._executor = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(worker_settings, os.getpid(), keywords),
            )
            self._local_engine: UtteranceRecognizer | None = None
        else:
            self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="asr")
            self._local_engine = engine

    async def warm_up(self) -> None:
        """Start worker processes and load models before the first call."""
        loop = asyncio.get_running_loop()
        silence = SpeechSpan(0.0, 0.1, bytes(3200), ASR_RATE, 0.1)
        await loop.run_in_executor(self._executor, _recognize, silence, self._local_engine, None)

    def recognize(self, span: SpeechSpan, language: str | None = None) -> asyncio.Future[TimedRecognition]:
        """`language`: what the engine is asked for (`ingest.call_language.language_to_ask`)."""
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._executor, _recognize, span, self._local_engine, language)

    def close(self) -> None:
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
