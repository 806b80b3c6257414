"""Which channels, history stream and active-call entry each event touches (pure).

Channel names follow the seed deployment, so existing Redis consumers keep
working: ``calls:events``, ``calls:transcript:{id|all}``,
``calls:sentiment:{id|all}``, ``calls:interim:{id|all}``, ``calls:alerts``,
one history stream ``calls:history:{id}`` per call and the ``calls:active``
hash. Raised alerts also go to the stream ``alerts:stream``, which the
notification dispatchers (`callmon alerts`) read as consumer groups: unlike
pub/sub, an alert waits there until a dispatcher has delivered it. A message is the event's `to_dict()`; sentiment channels carry a
compact `SentimentPoint` instead so charts need not parse whole segments.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from ingest.event_codec import EventDecodeError, decode_event
from ingest.events import (
    AlertAcknowledged,
    AlertRaised,
    CallEnded,
    CallErrorReported,
    CallStarted,
    CallSummary,
    DtmfReceived,
    Event,
    InterimTranscript,
    LegEnded,
    SentimentPoint,
    TranscriptSegment,
)
from ingest.log_limits import RateLimitedLog

log = logging.getLogger(__name__)
undecodable = RateLimitedLog(log)
"""Shared by every subscription and read of the process: one broken producer
makes one line a minute per kind of problem, however many pages subscribe."""

ALL = "all"
EVENTS = "calls:events"
ALERTS = "calls:alerts"
ACTIVE_CALLS = "calls:active"
ALERT_STREAM = "alerts:stream"
STREAM_FIELD = "event"
"""The field of a stream entry that holds the event's JSON (history and alert streams)."""

CALL_EVENTS = (CallStarted, CallEnded, CallSummary, LegEnded, DtmfReceived, CallErrorReported)
ALERT_EVENTS = (AlertRaised, AlertAcknowledged)


def transcript_channel(call_id: str = ALL) -> str:
    return f"calls:transcript:{call_id}"


def sentiment_channel(call_id: str = ALL) -> str:
    return f"calls:sentiment:{call_id}"


def interim_channel(call_id: str = ALL) -> str:
    return f"calls:interim:{call_id}"


def history_stream(call_id: str) -> str:
    return f"calls:history:{call_id}"


def sentiment_point(segment: TranscriptSegment) -> dict[str, Any]:
    """The compact payload of ``calls:sentiment:*``: one point of a call's chart."""
    return SentimentPoint.of(segment).to_dict()


def messages_for(event: Event) -> list[tuple[str, dict[str, Any]]]:
    """(channel, payload) pairs to publish for `event`; empty for events that
    never travel on the bus (audio)."""
    if isinstance(event, CALL_EVENTS):
        return [(EVENTS, event.to_dict())]
    if isinstance(event, TranscriptSegment):
        segment = event.to_dict()
        messages = [(transcript_channel(event.call_id), segment), (transcript_channel(ALL), segment)]
        if event.transcribed:  # speech with no model for its language has no score to chart
            point = sentiment_point(event)
            messages += [(sentiment_channel(event.call_id), point), (sentiment_channel(ALL), point)]
        return messages
    if isinstance(event, InterimTranscript):
        interim = event.to_dict()
        return [(interim_channel(event.call_id), interim), (interim_channel(ALL), interim)]
    if isinstance(event, ALERT_EVENTS):
        return [(ALERTS, event.to_dict())]
    return []


def channels_for(event: Event) -> tuple[str, ...]:
    return tuple(channel for channel, _ in messages_for(event))


def history_entry(event: Event) -> dict[str, Any] | None:
    """What `event` adds to its call's history stream, if anything.
    Interim hypotheses are too chatty and are revised anyway."""
    if isinstance(event, (*CALL_EVENTS, TranscriptSegment, *ALERT_EVENTS)):
        return event.to_dict()
    return None


def alert_stream_entry(event: Event) -> dict[str, Any] | None:
    """What `event` appends to ``alerts:stream``: raised alerts only (an
    acknowledgement is nothing to notify about)."""
    return event.to_dict() if isinstance(event, AlertRaised) else None


@dataclass(frozen=True, slots=True)
class ActiveCallChange:
    """How `event` changes the active-calls table: set (maybe only if absent) or remove."""

    call_id: str
    summary: dict[str, Any] | None
    """None removes the call."""
    only_if_absent: bool = False


def active_call_change(event: Event) -> ActiveCallChange | None:
    if isinstance(event, CallStarted):
        # A richer CallSummary may already be there (second leg): keep it.
        summary = CallSummary(
            call_id=event.call_id,
            source=event.source,
            status="active",
            started_at=event.started_at,
            metadata=event.metadata,
        )
        return ActiveCallChange(event.call_id, summary.to_dict(), only_if_absent=True)
    if isinstance(event, CallSummary):
        if event.status == "active":
            return ActiveCallChange(event.call_id, event.to_dict())
        return ActiveCallChange(event.call_id, None)
    if isinstance(event, CallEnded):
        return ActiveCallChange(event.call_id, None)
    return None


def encode(payload: dict[str, Any]) -> bytes:
    return orjson.dumps(payload)


def decode_stored(data: bytes | str, where: str) -> Event | None:
    """The event kept in a history stream or the active-calls hash; None (logged,
    rate limited) when it cannot be decoded, so one bad entry hides only itself."""
    try:
        return decode_event(data)
    except EventDecodeError as error:
        undecodable.warning(error.reason, "skipping an entry of %s: %s", where, error)
        return None


def active_summaries(entries: Iterable[tuple[str, bytes | str]]) -> dict[str, CallSummary]:
    """call_id -> summary from the active-calls table's raw entries."""
    summaries: dict[str, CallSummary] = {}
    for call_id, data in entries:
        summary = decode_stored(data, ACTIVE_CALLS)
        if isinstance(summary, CallSummary):
            summaries[call_id] = summary
        elif summary is not None:
            undecodable.warning("not a CallSummary", "skipping a %s in %s", summary.type, ACTIVE_CALLS)
    return summaries


def history_events(call_id: str, entries: Iterable[bytes | str]) -> list[Event]:
    where = history_stream(call_id)
    return [event for data in entries if (event := decode_stored(data, where)) is not None]
