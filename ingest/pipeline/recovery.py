"""After a crash: finish what the previous worker left half done.

Run once at start, before any call is accepted. Every call still `active` in
the store was live when the previous worker died (a worker that stops cleanly
ends its calls): its spooled utterances are transcribed through the normal
call session (same understanding, storage, publishing and alerts), then the
call is ended with reason `interrupted` at the end of its last stored audio.
Spooled utterances of calls that had already ended are stored the same way.

With several workers on one store, "every call still active" becomes "every
call this worker owned" (`calls`, chosen by ingest.pipeline.fleet), and the
calls of a worker that died for good are ended by a survivor
(`interrupt_calls`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import cast

from ingest.events import CallEnded, CallStarted, CallSummary, Source
from ingest.pipeline.services import PipelineServices
from ingest.pipeline.session import CallSession
from ingest.pipeline.spool import SpooledUtterance, UtteranceSpool
from ingest.pipeline.tracks import HeardUtterance

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted"
_ALL_ACTIVE = 1_000_000


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    interrupted_calls: int
    spooled_utterances: int


async def recover_after_crash(
    services: PipelineServices,
    spool: UtteranceSpool | None,
    calls: list[CallSummary] | None = None,
) -> RecoveryReport:
    """`calls`: the active calls that were this worker's (None: every active call in
    the store, the single-worker case; see ingest.pipeline.fleet for several)."""
    pending = spool.pending() if spool is not None else []
    by_call: dict[str, list[SpooledUtterance]] = defaultdict(list)
    for item in pending:
        by_call[item.call_id].append(item)
    if calls is None:
        calls = await services.store.list_calls(_ALL_ACTIVE, "active")
    active = {summary.call_id: summary for summary in calls}
    if pending and services.pool is None:
        log.warning(
            "%d spooled utterances wait for a batch speech-to-text engine; "
            "they stay in %s until the worker runs with one",
            len(pending),
            spool.directory if spool is not None else "?",
        )
        by_call.clear()
    call_ids = sorted(set(active) | set(by_call))
    if not call_ids:
        return RecoveryReport(0, 0)
    log.warning(
        "recovering after a crash: %d calls were active, %d utterances were waiting for speech-to-text",
        len(active),
        len(pending),
    )
    await asyncio.gather(
        *(
            _recover_call(services, call_id, active.get(call_id), by_call.get(call_id, []))
            for call_id in call_ids
        )
    )
    return RecoveryReport(len(active), sum(len(items) for items in by_call.values()))


async def interrupt_calls(services: PipelineServices, calls: list[CallSummary]) -> None:
    """End another (dead) worker's active calls as `interrupted` at the end of their
    last stored audio, stored and published like any end, so wallboards drop them.
    Its spool is on its own disk: the worker stores it when it starts again."""
    await asyncio.gather(*(_recover_call(services, summary.call_id, summary, []) for summary in calls))


async def _recover_call(
    services: PipelineServices,
    call_id: str,
    summary: CallSummary | None,
    spooled: list[SpooledUtterance],
) -> None:
    stored = summary or await services.store.get_call(call_id)
    started_at = stored.started_at if stored is not None else time.time()
    source = stored.source if stored is not None else "audiosocket"
    segments = await services.store.list_segments(call_id)
    # A kill between a segment's commit and its spool file's removal leaves
    # both: the stored segment wins.
    stored_starts = {(segment.speaker, round(segment.start, 3)) for segment in segments}
    # The stored metadata and language, so the engine is asked for the same
    # language as before the crash.
    metadata = dict(stored.metadata) if stored is not None else {}
    if stored is not None and stored.language and "language" not in metadata:
        metadata["language"] = stored.language
    session = CallSession(CallStarted(call_id, cast(Source, source), started_at, metadata), services)
    session.resume()
    language = session.language_to_ask()
    pool = services.pool
    for item in spooled:
        if (item.speaker, round(item.span.start, 3)) in stored_starts:
            item.path.unlink(missing_ok=True)
            continue
        assert pool is not None
        now = time.monotonic()
        session.hear(
            HeardUtterance(
                speaker=item.speaker,
                start=item.span.start,
                end=item.span.end,
                recognition=pool.recognize(item.span, language, spooled=item.path),
                last_voiced_at=now,
                closed_at=now,
                spooled=item.path,
            )
        )
    last_audio = max([item.span.end for item in spooled], default=0.0)
    last_audio = max([last_audio, *(segment.end for segment in segments)])
    # Only a call that is still active takes this end; an ended call keeps its own.
    session.end(CallEnded(call_id, INTERRUPTED, ended_at=started_at + last_audio))
    await session.done.wait()
