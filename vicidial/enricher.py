"""Attach ViciDial's view of a call (agent, campaign, in-group, lead, recording) to callmon's call.

ViciDial writes its log rows while the call is queued, answered and hung up,
and keeps writing after hang-up: the agent's wrap-up replaces the placeholder
status (DISPO) with the disposition and term_reason, often minutes later, and
the audio cron writes the recording's URL every few minutes. Each call gets
one background task that looks it up on a retry schedule until an agent is
known, then after hang-up with back-off until the disposition is final and
every recording has its URL, or each one's window passes. Every change is
stored (and so republished). Failures only delay metadata: the directory logs
one warning per outage, calls and audio go on untouched.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ingest.tasks import spawn
from vicidial.database import ViciDialError
from vicidial.directory import ViciDialDirectory
from vicidial.records import CallInfo
from vicidial.settings import DEFAULT_RETRY_DELAYS
from vicidial.uniqueid import resolve_uniqueid

log = logging.getLogger(__name__)

UpdateCall = Callable[[str, Mapping[str, Any]], Awaitable[Any]]


@dataclass(slots=True)
class _FollowedCall:
    call_id: str
    metadata: dict[str, str]
    uniqueid: str | None
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    looked_after_end: bool = False
    found_in_vicidial: bool = False
    stored: dict[str, Any] | None = None
    last_info: CallInfo | None = None
    task: asyncio.Task[Any] | None = None


class CallEnricher:
    """Follows each started call until ViciDial has told all it knows about it."""

    def __init__(
        self,
        directory: ViciDialDirectory,
        update_call: UpdateCall,
        *,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        after_call_delay: float = 5.0,
        max_call_s: float = 6 * 3600,
        wrapup_window_s: float = 1800.0,
        recording_window_s: float = 900.0,
        max_follow_delay_s: float = 120.0,
    ) -> None:
        self._directory = directory
        self._update_call = update_call
        self._retry_delays = tuple(retry_delays)
        self._after_call_delay = after_call_delay
        self._max_call_s = max_call_s
        self._wrapup_window_s = wrapup_window_s
        self._recording_window_s = recording_window_s
        self._max_follow_delay_s = max_follow_delay_s
        self._calls: dict[str, _FollowedCall] = {}

    def on_call_started(self, call_id: str, metadata: Mapping[str, str]) -> None:
        """Start following a call in the background; returns at once."""
        if call_id in self._calls:
            return  # a second leg of a call already followed
        metadata = dict(metadata)
        call = _FollowedCall(call_id, metadata, resolve_uniqueid(call_id, metadata))
        if call.uniqueid is None and not (metadata.get("channel") or metadata.get("callerid")):
            log.debug("call %s carries no ViciDial uniqueid, channel or callerid; not enriched", call_id)
            return
        self._calls[call_id] = call
        call.task = spawn(self._follow(call), name=f"vicidial-enrich-{call_id}")

    @property
    def following(self) -> frozenset[str]:
        """Ids of the calls still being followed."""
        return frozenset(self._calls)

    def on_call_ended(self, call_id: str) -> None:
        """Schedule the after-call look-up (ViciDial logs status and length at hangup)."""
        call = self._calls.get(call_id)
        if call is not None:
            call.ended.set()

    async def enrich_stored_call(self, call_id: str, metadata: Mapping[str, str]) -> bool:
        """One fresh look-up for a call that is already over (backfill); True if stored."""
        metadata = dict(metadata)
        call = _FollowedCall(call_id, metadata, resolve_uniqueid(call_id, metadata))
        call.ended.set()
        return await self._attempt(call) is not None

    async def close(self) -> None:
        """Stop following every call (the directory is closed by its owner)."""
        tasks = [call.task for call in self._calls.values() if call.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._calls.clear()

    async def _follow(self, call: _FollowedCall) -> None:
        try:
            for delay in self._retry_delays:
                await self._pause(call, delay)
                stored = await self._attempt(call)
                if stored is not None and stored.agent is not None:
                    break  # nothing more to learn until hangup
            await self._wait_for_end(call)
            await self._follow_after_end(call)
            if not call.found_in_vicidial:
                log.info("ViciDial has no record of call %s (uniqueid %s)", call.call_id, call.uniqueid)
        finally:
            self._calls.pop(call.call_id, None)

    async def _follow_after_end(self, call: _FollowedCall) -> None:
        """Look again with back-off until ViciDial's wrap-up and audio cron have written."""
        loop = asyncio.get_running_loop()
        ended_at = loop.time()
        delay = self._after_call_delay
        skip_wait = call.looked_after_end  # the retry schedule already looked after hang-up
        while True:
            if not skip_wait:
                await asyncio.sleep(delay)
                delay = min(max(delay * 2, 1.0), self._max_follow_delay_s)
            skip_wait = False
            await self._attempt(call)
            waited = loop.time() - ended_at
            last = call.last_info
            status_done = (last is not None and last.status_final) or waited >= self._wrapup_window_s
            recording_done = (
                last is not None and last.recordings_final
            ) or waited >= self._recording_window_s
            if status_done and recording_done:
                if last is not None and not last.status_final:
                    log.info("call %s: no disposition after %g s of wrap-up", call.call_id, waited)
                return

    async def _pause(self, call: _FollowedCall, delay: float) -> None:
        """Sleep `delay`, but when the call ends meanwhile look again soon after hangup."""
        if call.ended.is_set():
            await asyncio.sleep(delay)
            return
        try:
            await asyncio.wait_for(call.ended.wait(), delay)
        except TimeoutError:
            return
        await asyncio.sleep(self._after_call_delay)

    async def _wait_for_end(self, call: _FollowedCall) -> None:
        try:
            await asyncio.wait_for(call.ended.wait(), self._max_call_s)
        except TimeoutError:
            log.warning(
                "call %s never ended after %g s; last ViciDial look-up now", call.call_id, self._max_call_s
            )
            call.ended.set()

    async def _attempt(self, call: _FollowedCall) -> CallInfo | None:
        """One look-up; stores what it finds. None when not found, unreachable or not stored."""
        after_end = call.ended.is_set()
        try:
            if call.uniqueid is None:
                call.uniqueid = await self._directory.find_uniqueid(
                    channel=call.metadata.get("channel"), callerid=call.metadata.get("callerid")
                )
                if call.uniqueid is None:
                    call.looked_after_end = call.looked_after_end or after_end
                    return None
            # Never from the cache: each attempt is made because the rows may have changed.
            # The caller code seen while the agent held the call, once their live row moved on.
            known_code = call.last_info.caller_code if call.last_info is not None else None
            info = await self._directory.lookup_call(
                call.uniqueid, use_cache=False, callerid=call.metadata.get("callerid") or known_code
            )
        except ViciDialError:
            return None  # the directory has logged the outage once; the schedule retries
        call.looked_after_end = call.looked_after_end or after_end
        if info is None:
            return None
        call.found_in_vicidial = True
        call.last_info = info
        return info if await self._store(call, info) else None

    async def _store(self, call: _FollowedCall, info: CallInfo) -> bool:
        fields = info.call_fields()
        # Keep what the adapter knew (a store may replace metadata wholesale).
        fields["metadata"] = {**call.metadata, **fields["metadata"]}
        if fields == call.stored:
            return True
        try:
            await self._update_call(call.call_id, fields)
        except Exception as error:  # another component's failure must not end the follow-up
            # Typical: the store has not written the call's row yet. The next look-up retries.
            log.warning("could not store ViciDial metadata for call %s: %r", call.call_id, error)
            log.debug("store failure for call %s", call.call_id, exc_info=True)
            return False
        call.stored = fields
        return True
