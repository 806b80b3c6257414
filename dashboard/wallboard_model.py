"""The wallboard's one shared model: every live call as a row of plain data, kept
once per dashboard process and handed to every open wallboard as a diff.

Measured at 20 supervisors x 200 calls (bench/dashboard.py under cProfile): a
page made of NiceGUI elements per tile spent 24 s of one core building 4,000
tiles when the calls started, and each event was then turned into element
updates once per open page; the event loop stalled long enough for every
socket to time out. Here an event only marks its call dirty; every `TICK_S`
the model turns the dirty calls into rows once (pure `tile_row`), and each
open wallboard gets the same prebuilt JSON diff, which one browser component
renders (see `components/call_grid.py`). Sorting is shared too: one ranking per
sort order per tick, whatever the number of pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from dashboard.feed import FeedResynced, LiveCall, LiveFeed
from dashboard.style import call_path, format_score, sentiment_classes
from dashboard.ticker import Ticker
from dashboard.wallboard_filters import FACETS, facet_options
from ingest.call_identity import agent_display_name
from ingest.events import (
    AlertAcknowledged,
    AlertRaised,
    CallEnded,
    CallStarted,
    CallSummary,
    Event,
    TranscriptSegment,
)

TICK_S = 0.25
"""How often changed tiles go out: a few updates a second is live for a person,
and it bounds a page's messages however busy the shift."""
TILE_EVENTS = (CallStarted, CallSummary, CallEnded, TranscriptSegment, AlertRaised, AlertAcknowledged)
ENGLISH = ("en", None, "")
CHIP = "px-1 rounded text-xs font-mono whitespace-nowrap shrink-0"
BADGE_CLASSES = {
    "warning": "bg-amber-400 text-black",
    "urgent": "bg-orange-600 text-white",
    "critical": "bg-red-700 text-white",
}

Row = dict[str, Any]
TickListener = Callable[["WallboardDiff | None"], None]


def shown_line(call: LiveCall) -> tuple[str, str | None]:
    """The last line as the tile shows it, and the original for the hover text
    when what is shown is a translation (pure)."""
    if not call.last_text:
        return "…", None
    speaker = call.last_speaker or "?"
    if call.last_translation and call.last_language not in ENGLISH:
        return f"{speaker}: {call.last_translation}", f"{call.last_language}: {call.last_text}"
    return f"{speaker}: {call.last_text}", None


def lag_text(call: LiveCall) -> str:
    lag = call.shown_lag_s
    return "" if lag is None else f"{lag:.0f} s behind"


def tile_row(call: LiveCall) -> Row:
    """Everything one tile shows, as JSON-ready data (pure). Text only: the browser
    component sets it as text, never as HTML."""
    summary = call.summary
    metadata = summary.metadata
    caller = summary.caller_number or metadata.get("caller_number") or metadata.get("from") or "caller ?"
    details = [
        caller,
        summary.campaign or metadata.get("campaign"),
        summary.in_group or metadata.get("in_group"),
        summary.language or metadata.get("language") or call.last_language,
    ]
    line, original = shown_line(call)
    level, count = call.top_level, len(call.open_alerts)
    return {
        "id": call.call_id,
        "href": call_path(call.call_id),
        "agent": agent_display_name(summary) or "unassigned agent",
        "started": summary.started_at,
        "details": " · ".join(str(p) for p in details if p),
        "caller": f"caller {format_score(call.caller_mood)}",
        "caller_class": sentiment_classes(call.caller_mood),
        "agent_mood": f"agent {format_score(call.agent_mood)}",
        "agent_class": sentiment_classes(call.agent_mood),
        "lag": lag_text(call),
        "line": line,
        "original": original,
        "level": level,
        "badge": f"{count} {level}" if level else "",
        "badge_class": BADGE_CLASSES.get(level or "", ""),
    }


class WallboardDiff:
    """Rows that changed and calls that left since the last tick; `json` is built
    once and sent as is to every page."""

    __slots__ = ("changed", "json", "removed")

    def __init__(self, changed: list[Row], removed: list[str]) -> None:
        self.changed = changed
        self.removed = removed
        self.json = orjson.dumps({"rows": changed, "removed": removed}).decode()


class WallboardModel:
    def __init__(self, feed: LiveFeed, tick_s: float = TICK_S) -> None:
        self.feed = feed
        self.tick_s = tick_s
        self.rows: dict[str, Row] = {}
        self.version = 0
        """Bumped on every tick that changed anything: pages re-rank only then."""
        self._dirty: set[str] = set(feed.calls)
        self._ticker: Ticker[WallboardDiff | None] = Ticker(self.flush, tick_s, "wallboard-model")
        self._rankings: dict[str, tuple[int, list[LiveCall], list[str], str | None]] = {}
        self._options: tuple[int, dict[str, list[str]]] = (-1, {})
        feed.listen(self._take)

    def _take(self, event: Event) -> None:
        if isinstance(event, FeedResynced):
            self._dirty.update(self.rows, self.feed.calls)
        elif isinstance(event, TILE_EVENTS):
            self._dirty.add(event.call_id)

    def listen(self, listener: TickListener) -> Callable[[], None]:
        """`listener` is called after every tick that changed anything, with the diff of
        the rows (None when only a hidden sort key moved); the ticker starts with the
        first page."""
        return self._ticker.listen(listener)

    async def close(self) -> None:
        await self._ticker.close()

    def flush(self) -> WallboardDiff | None:
        """Turn the dirty calls into rows and hand the diff to every page. Pages call
        it before reading `rows`, so what they start from is what later diffs build on."""
        if not self._dirty:
            return None
        dirty, self._dirty = self._dirty, set()
        changed: list[Row] = []
        removed: list[str] = []
        for call_id in dirty:
            call = self.feed.calls.get(call_id)
            if call is None:
                if self.rows.pop(call_id, None) is not None:
                    removed.append(call_id)
                continue
            row = tile_row(call)
            if self.rows.get(call_id) != row:
                self.rows[call_id] = row
                changed.append(row)
        self.version += 1  # even when no row changed: a hidden sort key (rolling mood) may have
        diff = WallboardDiff(changed, removed) if changed or removed else None
        self._ticker.tell(diff)
        return diff

    def _ranking(self, by: str) -> tuple[int, list[LiveCall], list[str], str | None]:
        cached = self._rankings.get(by)
        if cached is None or cached[0] != self.version:
            calls = self.feed.ranked_calls(by)
            cached = (self.version, calls, [c.call_id for c in calls], None)
            self._rankings[by] = cached
        return cached

    def ranked(self, by: str) -> list[LiveCall]:
        """Live calls in the order `by`, computed once per tick for all pages."""
        return self._ranking(by)[1]

    def ranked_ids(self, by: str) -> list[str]:
        return self._ranking(by)[2]

    def ranked_ids_json(self, by: str) -> str:
        """`ranked_ids` as JSON, serialised once per tick for all pages sorted alike."""
        version, calls, ids, text = self._ranking(by)
        if text is None:
            text = orjson.dumps(ids).decode()
            self._rankings[by] = (version, calls, ids, text)
        return text

    def facet_choices(self) -> dict[str, list[str]]:
        """Each filter's choices on the live calls, once per tick for all pages (the
        same list object until something changed, so pages compare by identity)."""
        if self._options[0] != self.version:
            calls = list(self.feed.calls.values())
            fresh = {facet: facet_options(calls, facet) for facet in FACETS}
            previous = self._options[1]
            self._options = (
                self.version,
                {f: previous[f] if previous.get(f) == v else v for f, v in fresh.items()},
            )
        return self._options[1]
