"""The sink every adapter delivers to: routes call events to call sessions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from ingest.events import (
    AudioReceived,
    CallEnded,
    CallErrorReported,
    CallEvent,
    CallStarted,
    DtmfReceived,
    LegEnded,
)
from ingest.pipeline.learned import learn_in_group
from ingest.pipeline.services import PipelineServices
from ingest.pipeline.session import CallSession
from ingest.tasks import spawn

log = logging.getLogger(__name__)
_MAX_REMEMBERED_STRAYS = 1024


class CallPipeline:
    """Implements `CallEventSink`; owns the live call sessions."""

    def __init__(self, services: PipelineServices) -> None:
        self.services = services
        self._sessions: dict[str, CallSession] = {}
        self._strays: set[str] = set()

    @property
    def active_call_ids(self) -> list[str]:
        return [cid for cid, s in self._sessions.items() if not s.ending]

    def submit(self, event: CallEvent) -> None:
        if isinstance(event, AudioReceived):
            session = self._sessions.get(event.call_id)
            if session is None:
                self._stray(event.call_id, "audio")
            else:
                session.feed_audio(event)
        elif isinstance(event, CallStarted):
            self._start(event)
        elif isinstance(event, CallEnded):
            session = self._sessions.get(event.call_id)
            if session is None:
                self._stray(event.call_id, "end")
            else:
                session.end(event)
                spawn(self._forget(session), name=f"forget-{event.call_id}")
        elif isinstance(event, (DtmfReceived, CallErrorReported, LegEnded)):
            session = self._sessions.get(event.call_id)
            if session is None:
                self._stray(event.call_id, event.type)
            else:
                session.note(event)
        else:
            log.warning("pipeline got an unknown event %r; ignored", type(event).__name__)

    def learn(self, call_id: str, fields: Mapping[str, Any]) -> None:
        """Call details learned after the start (ViciDial's in-group): see ingest.pipeline.learned."""
        session = self._sessions.get(call_id)
        if session is not None and not session.ending:
            learn_in_group(session, fields.get("in_group"))

    def language_of(self, call_id: str) -> str | None:
        """What the engine is asked for on a live call now (None: it detects, or no such call)."""
        session = self._sessions.get(call_id)
        return session.language_to_ask() if session is not None else None

    async def drain(self) -> None:
        """Wait until every session that has ended is fully stored."""
        sessions = [s for s in self._sessions.values() if s.ending]
        await asyncio.gather(*(s.done.wait() for s in sessions))

    async def close(self) -> None:
        """End every live call (reason "shutdown") and wait for their storage."""
        for session in list(self._sessions.values()):
            session.end(CallEnded(session.call_id, "shutdown"))
        await asyncio.gather(*(s.done.wait() for s in list(self._sessions.values())))

    def _start(self, event: CallStarted) -> None:
        existing = self._sessions.get(event.call_id)
        if existing is not None and not existing.ending:
            log.debug("call %s already started; ignoring a second start", event.call_id)
            return
        session = CallSession(event, self.services)
        self._sessions[event.call_id] = session
        self._strays.discard(event.call_id)
        session.begin()

    async def _forget(self, session: CallSession) -> None:
        await session.done.wait()
        if self._sessions.get(session.call_id) is session:
            del self._sessions[session.call_id]

    def _stray(self, call_id: str, what: str) -> None:
        # Log once per call id, not once per frame.
        if call_id in self._strays:
            return
        if len(self._strays) >= _MAX_REMEMBERED_STRAYS:
            self._strays.clear()
        self._strays.add(call_id)
        log.warning("%s for unknown call %s (no start seen); ignored", what, call_id)
