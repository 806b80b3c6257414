"""`LiveFeed`: the one bus subscription of a dashboard process, shared by every page.

Twenty supervisors watching fifty calls must not mean twenty subscriptions
decoding every message: the feed subscribes once, keeps what the wallboard
shows (active calls, their last line, sentiment and open alerts) and hands
each event to the pages that listen. It only files what the worker
computed; it scores nothing itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from alerts.levels import Level, level_rank
from ingest.bus import Bus
from ingest.bus.channels import ALERTS, EVENTS, interim_channel, sentiment_channel, transcript_channel
from ingest.events import (
    AlertAcknowledged,
    AlertRaised,
    CallEnded,
    CallStarted,
    CallSummary,
    Event,
    TranscriptSegment,
)
from ingest.tasks import spawn

log = logging.getLogger(__name__)

CHANNELS = (EVENTS, transcript_channel(), sentiment_channel(), interim_channel(), ALERTS)
RECENT_ALERTS = 200
HISTORY_EVENTS = (TranscriptSegment, AlertRaised, AlertAcknowledged)
"""What of an active call's history the wallboard needs at start-up."""

Listener = Callable[[Event], None]
LoadAlerts = Callable[[], Awaitable[list[AlertRaised]]]


@dataclass(slots=True)
class LiveCall:
    """What the wallboard shows of one active call."""

    call_id: str
    summary: CallSummary
    last_speaker: str | None = None
    last_text: str = ""
    last_score: float | None = None
    last_label: str | None = None
    rolling: float | None = None
    consecutive_negative: int = 0
    open_alerts: dict[str, Level] = field(default_factory=dict)
    """Unacknowledged alert id -> level."""

    @property
    def top_level(self) -> Level | None:
        return max(self.open_alerts.values(), key=level_rank, default=None)

    @property
    def risk(self) -> tuple[int, float]:
        """Sort key, riskiest first: open alert level, then lowest rolling sentiment."""
        top = self.top_level
        rank = -1 if top is None else level_rank(top)
        return (-rank, self.rolling if self.rolling is not None else 0.0)


class LiveFeed:
    def __init__(self, bus: Bus, load_open_alerts: LoadAlerts | None = None) -> None:
        self._bus = bus
        self._load_open_alerts = load_open_alerts
        self.calls: dict[str, LiveCall] = {}
        self.alerts: OrderedDict[str, AlertRaised] = OrderedDict()
        """Recent alerts by id, oldest first; acknowledged ones carry acknowledged_by."""
        self._listeners: set[Listener] = set()
        self._task: asyncio.Task[None] | None = None
        self.messages_seen = 0

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every event, after the feed's state took it in.
        Returns the function that stops listening."""
        self._listeners.add(listener)
        return lambda: self._listeners.discard(listener)

    async def start(self) -> None:
        subscribed = asyncio.Event()
        self._task = spawn(self._pump(subscribed), name="dashboard-feed")
        # Subscribe before reading the current state, so nothing falls in between.
        waiter = asyncio.ensure_future(subscribed.wait())
        await asyncio.wait({waiter, self._task}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        await self._load_current_state()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _pump(self, subscribed: asyncio.Event) -> None:
        async with self._bus.subscribe(*CHANNELS) as events:
            subscribed.set()
            async for event in events:
                self.take(event)

    async def _load_current_state(self) -> None:
        try:
            active = await self._bus.active_calls()
        except Exception:
            log.warning(
                "could not read active calls from the bus; the wallboard fills as events arrive",
                exc_info=True,
            )
            active = {}
        for call_id, summary in active.items():
            self.calls.setdefault(call_id, LiveCall(call_id, summary))
            try:
                history = await self._bus.history(call_id, limit=200)
            except Exception:
                log.warning("could not read the history of call %s", call_id, exc_info=True)
                continue
            for event in history:
                if isinstance(event, HISTORY_EVENTS):
                    self._file(event)
        if self._load_open_alerts is not None:
            for alert in reversed(await self._load_open_alerts()):
                self._file(alert)

    def take(self, event: Event) -> None:
        """File one bus event, then hand it to every listener."""
        self.messages_seen += 1
        self._file(event)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("a dashboard page failed on a %s event", event.type)

    def _file(self, event: Event) -> None:
        match event:
            case CallStarted(call_id=call_id) if call_id not in self.calls:
                summary = CallSummary(
                    call_id=call_id,
                    source=event.source,
                    status="active",
                    started_at=event.started_at,
                    metadata=event.metadata,
                )
                self.calls[call_id] = LiveCall(call_id, summary)
            case CallSummary(call_id=call_id, status="active"):
                self.calls.setdefault(call_id, LiveCall(call_id, event)).summary = event
            case CallSummary(call_id=call_id) | CallEnded(call_id=call_id):
                self.calls.pop(call_id, None)
            case TranscriptSegment(call_id=call_id) if call_id in self.calls:
                call = self.calls[call_id]
                call.last_speaker = event.speaker
                call.last_text = event.text
                call.last_score = event.sentiment_score
                call.last_label = event.sentiment_label
                call.rolling = event.rolling_sentiment
                call.consecutive_negative = event.consecutive_negative
            case AlertRaised():
                self.alerts[event.id] = event
                while len(self.alerts) > RECENT_ALERTS:
                    self.alerts.popitem(last=False)
                if event.call_id in self.calls and not event.acknowledged_at:
                    self.calls[event.call_id].open_alerts[event.id] = event.level
            case AlertAcknowledged():
                known = self.alerts.get(event.id)
                if known is not None:
                    self.alerts[event.id] = dataclasses.replace(
                        known, acknowledged_by=event.acknowledged_by, acknowledged_at=event.acknowledged_at
                    )
                if event.call_id in self.calls:
                    self.calls[event.call_id].open_alerts.pop(event.id, None)

    def ranked_calls(self, by: str = "risk") -> list[LiveCall]:
        """Active calls, riskiest first (`by="risk"`) or oldest first (`by="started"`)."""
        calls = list(self.calls.values())
        if by == "risk":
            return sorted(calls, key=lambda c: (c.risk, c.summary.started_at))
        return sorted(calls, key=lambda c: c.summary.started_at)
