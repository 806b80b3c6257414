"""The bounded recognition queue and its overload policy.

When calls bring more speech than the engines can recognise, a first-come
queue makes every transcript later and later and holds all the waiting audio
in memory. Instead (every utterance is already in the durable spool, see
`ingest.pipeline.spool`):

* **Newest first.** Utterances of live calls wait in memory and the engines
  take the newest one first, so the lines a supervisor is watching stay
  current (`CALLMON_RECOGNITION_NEWEST_FIRST`; off, they are taken first come,
  first served, and only the deadline and the bound make lines late: for
  replays that want spoken order more than current lines).
* **Late, not lost.** An utterance goes *late* when it has waited longer than
  the deadline (`CALLMON_RECOGNITION_DEADLINE_S`), when keeping it would hold
  more than `CALLMON_RECOGNITION_QUEUE_S` seconds of speech in memory (the
  oldest go first), or when a newer utterance of its own call has already been
  recognised (it would otherwise hold that call's transcript up). A late
  utterance drops its audio from memory and stays only in the spool; its call
  goes on without it, and it is recognised, oldest first, when no fresh speech
  waits, then stored marked ``late`` (in its spoken place by time, after the
  lines that overtook it; the call's end is stored after it). Nothing
  accepted is dropped.
* **Not live, never late.** Speech that is not live (imported recordings,
  recovery after a crash) waits in the same backlog in arrival order and is
  never marked late.

Memory is bounded: the fresh queue holds at most the bound, the engines at
most one utterance per slot; everything else is a file name. Without a spool
(tests, streaming engines) late audio has nowhere else to wait and stays in
memory.

The queue hands the engines at most `slots` utterances at a time, so the order
is decided here and not by the executor's own first-come queue.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from ingest.audio.segmenter import SpeechSpan
from ingest.pipeline.spool import read_spooled
from ingest.tasks import spawn

log = logging.getLogger(__name__)

_DEADLINE_CHECK_MIN_S = 0.05
"""Deadline checks are batched at least this far apart."""


R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Postponed(Generic[R]):
    """An utterance that went late: the call goes on without it; `later` resolves
    when it has been recognised after all."""

    later: asyncio.Future[R]


@dataclass(frozen=True, slots=True)
class QueueStats:
    fresh_utterances: int
    fresh_audio_s: float
    """Speech of live calls waiting in memory."""
    spooled_utterances: int
    spooled_audio_s: float
    """Late (and not-live) speech waiting in the spool only."""
    in_flight: int
    late_total: int
    """Utterances that went late since the worker started."""

    def to_dict(self) -> dict[str, float | int]:
        return {
            "fresh_utterances": self.fresh_utterances,
            "fresh_audio_s": round(self.fresh_audio_s, 2),
            "spooled_utterances": self.spooled_utterances,
            "spooled_audio_s": round(self.spooled_audio_s, 2),
            "in_flight": self.in_flight,
            "late_total": self.late_total,
        }


class _Item(Generic[R]):
    __slots__ = (
        "audio_s", "call_id", "future", "language", "late", "live", "path", "seq", "span", "submitted_at",
    )  # fmt: skip

    def __init__(
        self,
        seq: int,
        call_id: str,
        span: SpeechSpan,
        language: str | None,
        path: Path | None,
        live: bool,
        submitted_at: float,
        future: asyncio.Future[R | Postponed[R]],
    ) -> None:
        self.seq = seq
        self.call_id = call_id
        self.span: SpeechSpan | None = span
        self.audio_s = span.end - span.start
        self.language = language
        self.path = path
        self.live = live
        self.submitted_at = submitted_at
        self.future: asyncio.Future[R | Postponed[R]] | asyncio.Future[R] = future
        self.late = False


class RecognitionQueue(Generic[R]):
    """Decides which utterance the engines recognise next (see the module docstring).
    `run` recognises one span in the given language (the engine, off the event loop)."""

    def __init__(
        self,
        run: Callable[[SpeechSpan, str | None], Awaitable[R]],
        *,
        slots: int,
        bound_s: float,
        deadline_s: float,
        newest_first: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._run = run
        self.slots = max(1, slots)
        self.bound_s = bound_s
        self.deadline_s = deadline_s
        self.newest_first = newest_first
        self._clock = clock
        self._seq = itertools.count()
        self._fresh: list[_Item[R]] = []  # submission order; the newest is taken first
        self._fresh_audio_s = 0.0
        self._backlog: deque[_Item[R]] = deque()  # late and not-live speech, oldest first
        self._in_flight = 0
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        self.late_total = 0

    def submit(
        self, call_id: str, span: SpeechSpan, language: str | None, spooled: Path | None, *, live: bool
    ) -> asyncio.Future[R | Postponed[R]]:
        """Queue `span`. The future resolves to the engine's result or, for live speech
        that went late, to `Postponed` first (whose `later` brings the result)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R | Postponed[R]] = loop.create_future()
        item = _Item(next(self._seq), call_id, span, language, spooled, live, self._clock(), future)
        if not live:
            self._to_backlog(item)
        else:
            self._fresh.append(item)
            self._fresh_audio_s += item.audio_s
            # Over the bound: the oldest go late first (newest first would reach them last anyway).
            while self._fresh_audio_s > self.bound_s and self._fresh:
                self._postpone(self._fresh[0], "the recognition queue is full")
        self._pump()
        return future

    def stats(self) -> QueueStats:
        return QueueStats(
            fresh_utterances=len(self._fresh),
            fresh_audio_s=self._fresh_audio_s,
            spooled_utterances=len(self._backlog),
            spooled_audio_s=sum(item.audio_s for item in self._backlog),
            in_flight=self._in_flight,
            late_total=self.late_total,
        )

    def close(self) -> None:
        """Stop handing out work (shutdown); what waits stays in the spool."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # -- policy --------------------------------------------------------------

    def _postpone(self, item: _Item[R], why: str) -> None:
        self._fresh.remove(item)
        self._fresh_audio_s -= item.audio_s
        ordered = item.future
        later: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        item.future = later
        item.late = True
        self.late_total += 1
        log.info(
            "call %s: utterance at %.1f s goes late (%s); recognised when capacity returns",
            item.call_id,
            item.span.start if item.span is not None else -1.0,
            why,
        )
        self._to_backlog(item)
        if not ordered.done():
            ordered.set_result(Postponed(later))  # type: ignore[arg-type]  # ordered is the R | Postponed one

    def _to_backlog(self, item: _Item[R]) -> None:
        if item.path is not None:
            item.span = None  # it waits on disk, not in memory
        self._backlog.append(item)

    def _expire(self) -> None:
        self._timer = None
        now = self._clock()
        for item in [i for i in self._fresh if now - i.submitted_at >= self.deadline_s]:
            self._postpone(item, f"waited over {self.deadline_s:g} s")
        self._pump()

    def _overtaken(self, done: _Item[R]) -> None:
        """A newer line of the call is recognised: its older waiting lines go late
        rather than hold the call's transcript up."""
        for item in [i for i in self._fresh if i.call_id == done.call_id and i.seq < done.seq]:
            self._postpone(item, "a newer line of the call was recognised first")

    # -- dispatch ------------------------------------------------------------

    def _pump(self) -> None:
        if self._closed:
            return
        while self._in_flight < self.slots and (self._fresh or self._backlog):
            if self._fresh:
                item = self._fresh.pop() if self.newest_first else self._fresh.pop(0)
                self._fresh_audio_s -= item.audio_s
            else:
                item = self._backlog.popleft()
            self._in_flight += 1
            spawn(self._recognise(item), name=f"recognise-{item.call_id}")
        if not self._fresh:
            self._fresh_audio_s = 0.0  # no float drift across many adds and removes
        self._arm_deadline()

    def _arm_deadline(self) -> None:
        if self._timer is not None or not self._fresh or self._closed:
            return
        oldest = min(item.submitted_at for item in self._fresh)
        delay = max(_DEADLINE_CHECK_MIN_S, oldest + self.deadline_s - self._clock())
        self._timer = asyncio.get_running_loop().call_later(delay, self._expire)

    async def _recognise(self, item: _Item[R]) -> None:
        future = item.future
        try:
            span = item.span
            if span is None:
                assert item.path is not None
                span = read_spooled(item.path).span
            result = await self._run(span, item.language)
        except asyncio.CancelledError:
            if not future.done():
                future.cancel()
            raise
        except Exception as error:  # the engine or the spool file failed: the session logs it
            if not future.done():
                future.set_exception(error)
        else:
            if not future.done():
                future.set_result(result)
        finally:
            self._in_flight -= 1
            item.span = None
        if item.live and not item.late:
            self._overtaken(item)
        self._pump()
