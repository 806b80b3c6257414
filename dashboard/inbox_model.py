"""The alert inbox's one shared model: the live calls with open alerts as rows of
plain data, in inbox order, and the open-alert count, kept once per dashboard
process.

Profiled at 20 supervisors x 200 calls, a strip built of NiceGUI elements per
row and rebuilt per alert per page took half the dashboard's CPU; here an
alert only marks the inbox dirty, and every `TICK_S` the rows are rebuilt once
and the same JSON goes to every open strip (`components/alert_inbox.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from alerts.levels import level_rank
from dashboard.feed import FeedResynced, LiveCall, LiveFeed
from dashboard.style import call_path
from dashboard.ticker import Ticker
from ingest.call_identity import agent_display_name
from ingest.events import AlertAcknowledged, AlertRaised, CallEnded, CallSummary, Event

TICK_S = 0.25
INBOX_EVENTS = (AlertRaised, AlertAcknowledged, CallEnded, CallSummary, FeedResynced)

InboxRow = dict[str, Any]
InboxListener = Callable[["AlertInboxModel"], None]


def inbox_order(call: LiveCall) -> tuple[int, float]:
    """Highest level first, then the most recent alert first."""
    latest = call.latest_alert
    top = call.top_level
    return (-(level_rank(top) if top else -1), -(latest.raised_at if latest else 0.0))


def inbox_row(call: LiveCall) -> InboxRow | None:
    """One call's row in the strip (pure); None when it has no open alert."""
    latest = call.latest_alert
    if latest is None:
        return None
    count = len(call.open_alerts)
    return {
        "id": call.call_id,
        "level": call.top_level or latest.level,
        "count": f"{count} alert{'s' if count != 1 else ''}",
        "agent": agent_display_name(call.summary) or call.call_id[:8],
        "href": call_path(call.call_id),
        "reasons": "; ".join(latest.reasons or latest.rules),
        "quote": f"“{latest.text}”" if latest.text else "",
    }


class AlertInboxModel:
    def __init__(self, feed: LiveFeed, tick_s: float = TICK_S) -> None:
        self.feed = feed
        self.tick_s = tick_s
        self.rows: list[InboxRow] = []
        self.rows_json = "[]"
        self.open_alerts = 0
        """Unacknowledged alerts of live calls: the other pages' badge."""
        self._dirty = True
        self._ticker: Ticker[AlertInboxModel] = Ticker(self.flush, tick_s, "alert-inbox-model")
        feed.listen(self._take)

    def _take(self, event: Event) -> None:
        if isinstance(event, INBOX_EVENTS):
            self._dirty = True

    def listen(self, listener: InboxListener) -> Callable[[], None]:
        """`listener` gets the model after every change; the ticker starts with the first page."""
        return self._ticker.listen(listener)

    async def close(self) -> None:
        await self._ticker.close()

    def flush(self) -> bool:
        """Rebuild the rows when an alert, acknowledgement or call end came in, and tell
        every page when they or the count changed."""
        if not self._dirty:
            return False
        self._dirty = False
        ranked = sorted((c for c in self.feed.calls.values() if c.open_alerts), key=inbox_order)
        rows = [row for row in map(inbox_row, ranked) if row is not None]
        count = sum(len(call.open_alerts) for call in ranked)
        if rows == self.rows and count == self.open_alerts:
            return False
        self.rows, self.open_alerts = rows, count
        self.rows_json = orjson.dumps(rows).decode()
        self._ticker.tell(self)
        return True
