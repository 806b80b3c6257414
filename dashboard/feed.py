"""`LiveFeed`: the one bus subscription of a dashboard process, shared by every page.

Twenty supervisors watching fifty calls must not mean twenty subscriptions
decoding every message: the feed subscribes once, keeps what the wallboard
shows (active calls, their last line, each party's mood, transcript lag and
open alerts) and hands each event to the pages that listen. It only files
what the worker computed; it scores nothing itself.

Pub/sub loses what is published while the bus is down, so the feed watches
the bus's health: when it comes back, the live state is reloaded from the
store and the per-call streams and every page is told (`FeedResynced`) to
reload what it shows.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from alerts.levels import Level, level_rank
from ingest.bus import Bus
from ingest.bus.channels import ALERTS, EVENTS, interim_channel, sentiment_channel, transcript_channel
from ingest.bus.subscription import Subscription
from ingest.call_identity import agent_display_name
from ingest.events import (
    AlertAcknowledged,
    AlertRaised,
    CallEnded,
    CallStarted,
    CallSummary,
    Event,
    TranscriptSegment,
    now,
)
from ingest.tasks import spawn

log = logging.getLogger(__name__)

CHANNELS = (EVENTS, transcript_channel(), sentiment_channel(), interim_channel(), ALERTS)
RECENT_ALERTS = 200
HISTORY_EVENTS = (TranscriptSegment, AlertRaised, AlertAcknowledged)
"""What of an active call's history the wallboard needs at start-up."""

HEALTH_POLL_S = 0.5
RESUBSCRIBE_WAIT_S = 5.0
"""How long a recovered bus may take to resubscribe the feed before the watch polls again."""
CLOSE_WAIT_S = 5.0
"""How long `LiveFeed.close` waits for its tasks."""
LAG_SHOWN_S = 10.0
"""Transcript lag below this is normal recognition delay, not worth a supervisor's eye."""

Listener = Callable[[Event], None]
LoadAlerts = Callable[[], Awaitable[list[AlertRaised]]]
LoadActiveCalls = Callable[[], Awaitable[list[CallSummary]]]
LoadSegments = Callable[[str], Awaitable[list[TranscriptSegment]]]


@dataclass(frozen=True, slots=True)
class FeedResynced(Event):
    """Not a bus event: the feed reloaded its state after a bus outage; pages that
    keep their own copy of live data reload it."""

    at: float = field(default_factory=now)


@dataclass(frozen=True, slots=True)
class StoreLoaders:
    """What the feed reads from the store when the bus comes back (the bus may have
    lost its state with a restart; the store never does)."""

    active_calls: LoadActiveCalls
    segments: LoadSegments


@dataclass(slots=True)
class LiveCall:
    """What the wallboard shows of one active call."""

    call_id: str
    summary: CallSummary
    last_speaker: str | None = None
    last_text: str = ""
    last_score: float | None = None
    last_label: str | None = None
    last_translation: str | None = None
    last_language: str | None = None
    rolling: float | None = None
    caller_mood: float | None = None
    """The caller's rolling sentiment (mixed "unknown" lines count as the caller's)."""
    agent_mood: float | None = None
    consecutive_negative: int = 0
    lag_s: float = 0.0
    """How far the newest segment trailed the audio when it was stored: wall time
    of storing minus (call start + segment end in audio time)."""
    open_alerts: dict[str, AlertRaised] = field(default_factory=dict)
    """Unacknowledged alerts by id, oldest first."""

    @property
    def top_level(self) -> Level | None:
        return max((a.level for a in self.open_alerts.values()), key=level_rank, default=None)

    @property
    def latest_alert(self) -> AlertRaised | None:
        return max(self.open_alerts.values(), key=lambda a: a.raised_at, default=None)

    @property
    def shown_lag_s(self) -> float | None:
        return self.lag_s if self.lag_s >= LAG_SHOWN_S else None

    @property
    def risk(self) -> tuple[int, float]:
        """Sort key, riskiest first: open alert level, then lowest rolling sentiment."""
        top = self.top_level
        rank = -1 if top is None else level_rank(top)
        return (-rank, self.rolling if self.rolling is not None else 0.0)


class LiveFeed:
    def __init__(
        self, bus: Bus, load_open_alerts: LoadAlerts | None = None, store: StoreLoaders | None = None
    ) -> None:
        self._bus = bus
        self._load_open_alerts = load_open_alerts
        self._store = store
        self._watch: asyncio.Task[None] | None = None
        self._subscription: Subscription | None = None
        self.resyncs = 0
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
        self._watch = spawn(self._watch_bus(), name="dashboard-feed resync")

    async def close(self) -> None:
        tasks = [t for t in (self._task, self._watch) if t is not None]
        for task in tasks:
            task.cancel()
        if not tasks:
            return
        # Bounded: closing the dashboard must not hang on a task stuck in a bus call.
        _, stuck = await asyncio.wait(tasks, timeout=CLOSE_WAIT_S)
        if stuck:
            names = ", ".join(sorted(task.get_name() for task in stuck))
            log.warning("closing the live feed: %s did not stop within %.0f s", names, CLOSE_WAIT_S)

    async def _watch_bus(self) -> None:
        """Resync when the bus comes back after being down. A bus that counts its
        recoveries (Redis) is caught even when the outage fell between two polls."""
        last_up = now()
        recoveries = self._bus.health().get("recoveries", 0)
        was_down = False
        while True:
            await asyncio.sleep(HEALTH_POLL_S)
            health = self._bus.health()
            up = health.get("status") == "ok"
            recovered = health.get("recoveries", 0) != recoveries
            if not up:
                if not was_down:
                    log.warning("the bus is down: the dashboard resyncs from the store when it is back")
                was_down = True
                continue
            if was_down or recovered:
                # Reload only once the feed hears the bus again: an event published
                # between the reload and the resubscription would reach neither.
                if not await self._subscription_live():
                    continue
                try:
                    await self.resync(last_up)
                except Exception:
                    log.exception("resync after the bus outage failed; retrying")
                    continue
                recoveries = health.get("recoveries", 0)
                was_down = False
            last_up = now()

    async def _subscription_live(self) -> bool:
        subscription = self._subscription
        if subscription is None:
            return False
        try:
            async with asyncio.timeout(RESUBSCRIBE_WAIT_S):
                await subscription.live.wait()
        except TimeoutError:
            return False
        return True

    async def resync(self, down_since: float) -> None:
        """Reload live state after an outage that began at `down_since` (epoch s), then
        tell every page. Calls live now: the bus's active calls, plus the store's active
        rows the feed knew before or that started during the outage (a restarted Redis
        may have lost the first; the worker may not have written the second back yet)."""
        known = set(self.calls)
        live: dict[str, CallSummary] = {}
        if self._store is not None:
            for summary in await self._store.active_calls():
                if summary.call_id in known or summary.started_at >= down_since - 1.0:
                    live[summary.call_id] = summary
        try:
            live.update(await self._bus.active_calls())
        except Exception:
            log.warning("could not read active calls from the bus during resync", exc_info=True)
        for call_id in known - set(live):
            self.calls.pop(call_id, None)
        for call_id, summary in live.items():
            call = self.calls.setdefault(call_id, LiveCall(call_id, summary))
            call.summary = summary
            call.open_alerts.clear()  # reloaded below: some were acknowledged during the outage
            for segment in await self._segments_of(call_id):
                self._file(segment)
        if self._load_open_alerts is not None:
            for alert in reversed(await self._load_open_alerts()):
                self._file(alert)
        self.resyncs += 1
        log.info("resynced the dashboard after a bus outage: %d live call(s)", len(self.calls))
        self._hand_on(FeedResynced())

    async def _segments_of(self, call_id: str) -> list[TranscriptSegment]:
        if self._store is not None:
            return await self._store.segments(call_id)
        try:
            history = await self._bus.history(call_id, limit=200)
        except Exception:
            log.warning("could not read the history of call %s", call_id, exc_info=True)
            return []
        return [e for e in history if isinstance(e, TranscriptSegment)]

    async def _pump(self, subscribed: asyncio.Event) -> None:
        async with self._bus.subscribe(*CHANNELS) as events:
            self._subscription = events
            subscribed.set()
            async for event in events:
                try:
                    self.take(event)
                except Exception:
                    # One event the wallboard cannot file must not end live updates
                    # for every page of this dashboard.
                    log.exception("the live feed could not file a %s event; skipped", event.type)

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
        self._hand_on(event)

    def _hand_on(self, event: Event) -> None:
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
                call.last_translation = event.translation
                call.last_language = event.language
                call.rolling = event.rolling_sentiment
                if event.speaker == "agent":
                    call.agent_mood = event.rolling_sentiment
                else:
                    call.caller_mood = event.rolling_sentiment
                    call.consecutive_negative = event.consecutive_negative
                call.lag_s = max(0.0, event.created_at - (call.summary.started_at + event.end))
            case AlertRaised():
                self.alerts[event.id] = event
                while len(self.alerts) > RECENT_ALERTS:
                    self.alerts.popitem(last=False)
                if event.call_id in self.calls and not event.acknowledged_at:
                    self.calls[event.call_id].open_alerts[event.id] = event
            case AlertAcknowledged():
                known = self.alerts.get(event.id)
                if known is not None:
                    self.alerts[event.id] = dataclasses.replace(
                        known, acknowledged_by=event.acknowledged_by, acknowledged_at=event.acknowledged_at
                    )
                if event.call_id in self.calls:
                    self.calls[event.call_id].open_alerts.pop(event.id, None)

    def ranked_calls(self, by: str = "risk") -> list[LiveCall]:
        """Active calls in the wallboard's order (see `SORT_KEYS`)."""
        key = SORT_KEYS.get(by, SORT_KEYS["risk"])
        return sorted(self.calls.values(), key=key)

    @property
    def open_alert_count(self) -> int:
        """Unacknowledged alerts of live calls: the inbox's size, the other pages' badge."""
        return sum(len(call.open_alerts) for call in self.calls.values())


def _mood_key(call: LiveCall) -> tuple[float, float]:
    return (call.caller_mood if call.caller_mood is not None else 0.0, call.summary.started_at)


SORT_KEYS: dict[str, Callable[[LiveCall], Any]] = {
    "risk": lambda c: (c.risk, c.summary.started_at),
    "started": lambda c: c.summary.started_at,
    "mood": _mood_key,
    "agent": lambda c: ((agent_display_name(c.summary) or "~").lower(), c.summary.started_at),
}
"""Wallboard orders: riskiest first, oldest first, unhappiest caller first, by agent."""
