"""`LiveFeed`: the one bus subscription of a dashboard process, shared by every page.

Twenty supervisors watching fifty calls must not mean twenty subscriptions
decoding every message: the feed subscribes once, keeps what the wallboard
shows (active calls, their last line, sentiment and open alerts) and hands
each message to the pages that listen. It only files what the worker
computed; it scores nothing itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ingest.bus import Bus
from ingest.bus.channels import ALERTS, EVENTS, interim_channel, sentiment_channel, transcript_channel
from ingest.tasks import spawn

log = logging.getLogger(__name__)

CHANNELS = (EVENTS, transcript_channel(), sentiment_channel(), interim_channel(), ALERTS)
LEVEL_RANK = {"warning": 1, "urgent": 2, "critical": 3}
RECENT_ALERTS = 200

Message = dict[str, Any]
Listener = Callable[[Message], None]
LoadAlerts = Callable[[], Awaitable[list[Message]]]


@dataclass(slots=True)
class LiveCall:
    """What the wallboard shows of one active call."""

    call_id: str
    summary: Message
    last_speaker: str | None = None
    last_text: str = ""
    last_score: float | None = None
    last_label: str | None = None
    rolling: float | None = None
    consecutive_negative: int = 0
    open_alerts: dict[str, str] = field(default_factory=dict)
    """Unacknowledged alert id -> level."""

    @property
    def top_level(self) -> str | None:
        return max(self.open_alerts.values(), key=LEVEL_RANK.__getitem__, default=None)

    @property
    def risk(self) -> tuple[int, float]:
        """Sort key, riskiest first: open alert level, then lowest rolling sentiment."""
        rank = LEVEL_RANK.get(self.top_level or "", 0)
        return (-rank, self.rolling if self.rolling is not None else 0.0)


class LiveFeed:
    def __init__(self, bus: Bus, load_open_alerts: LoadAlerts | None = None) -> None:
        self._bus = bus
        self._load_open_alerts = load_open_alerts
        self.calls: dict[str, LiveCall] = {}
        self.alerts: OrderedDict[str, Message] = OrderedDict()
        """Recent alerts by id, oldest first; acknowledged ones carry acknowledged_by."""
        self._listeners: set[Listener] = set()
        self._task: asyncio.Task[None] | None = None
        self.messages_seen = 0

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every message, after the feed's state took it in.
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
        async with self._bus.subscribe(*CHANNELS) as messages:
            subscribed.set()
            async for message in messages:
                self.take(message)

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
            for entry in history:
                if entry.get("type") in ("TranscriptSegment", "AlertRaised", "AlertAcknowledged"):
                    self._file(entry)
        if self._load_open_alerts is not None:
            for alert in reversed(await self._load_open_alerts()):
                self._file(alert)

    def take(self, message: Message) -> None:
        """File one bus message, then hand it to every listener."""
        self.messages_seen += 1
        try:
            self._file(message)
        except (KeyError, TypeError, ValueError) as error:
            log.warning("dropping malformed %s message: %s", message.get("type"), error)
            return
        for listener in list(self._listeners):
            try:
                listener(message)
            except Exception:
                log.exception("a dashboard page failed on a %s message", message.get("type"))

    def _file(self, message: Message) -> None:
        kind = message.get("type")
        call_id = str(message.get("call_id", ""))
        if kind == "CallStarted":
            if call_id not in self.calls:
                summary = {
                    "call_id": call_id,
                    "source": message.get("source"),
                    "status": "active",
                    "started_at": message.get("started_at"),
                    "metadata": message.get("metadata") or {},
                }
                self.calls[call_id] = LiveCall(call_id, summary)
        elif kind == "CallSummary":
            if message.get("status") == "active":
                call = self.calls.setdefault(call_id, LiveCall(call_id, message))
                call.summary = message
            else:
                self.calls.pop(call_id, None)
        elif kind == "CallEnded":
            self.calls.pop(call_id, None)
        elif kind == "TranscriptSegment" and call_id in self.calls:
            call = self.calls[call_id]
            call.last_speaker = str(message["speaker"])
            call.last_text = str(message["text"])
            call.last_score = float(message["sentiment_score"])
            call.last_label = str(message["sentiment_label"])
            call.rolling = float(message.get("rolling_sentiment", 0.0))
            call.consecutive_negative = int(message.get("consecutive_negative", 0))
        elif kind == "AlertRaised":
            self.alerts[str(message["id"])] = message
            while len(self.alerts) > RECENT_ALERTS:
                self.alerts.popitem(last=False)
            if call_id in self.calls and not message.get("acknowledged_at"):
                self.calls[call_id].open_alerts[str(message["id"])] = str(message["level"])
        elif kind == "AlertAcknowledged":
            alert_id = str(message["id"])
            if alert_id in self.alerts:
                self.alerts[alert_id] = {
                    **self.alerts[alert_id],
                    "acknowledged_by": message["acknowledged_by"],
                    "acknowledged_at": message["acknowledged_at"],
                }
            if call_id in self.calls:
                self.calls[call_id].open_alerts.pop(alert_id, None)

    def ranked_calls(self, by: str = "risk") -> list[LiveCall]:
        """Active calls, riskiest first (`by="risk"`) or oldest first (`by="started"`)."""
        calls = list(self.calls.values())
        if by == "risk":
            return sorted(calls, key=lambda c: (c.risk, c.summary.get("started_at") or 0))
        return sorted(calls, key=lambda c: c.summary.get("started_at") or 0)
