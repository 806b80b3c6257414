"""/ (supervisor home): every active call as a tile, updated live.

Built for 200 calls on one 1080p screen: a dense mode (one small tile per call,
ten to a row), sort by risk, age, caller mood or agent, filters by agent,
campaign, in-group, language and alert level plus free text, and the alert
inbox strip above, capped in height. Tile contents change as events arrive;
order, filter choices and the count are recomputed at most every
`REARRANGE_S`, so a busy shift costs each open page a sort per tick, not one
per event.
"""

from __future__ import annotations

from typing import Any

from nicegui import app, ui
from starlette.responses import RedirectResponse

from dashboard.auth import SessionUser, current_user
from dashboard.components.call_tile import CallTile
from dashboard.feed import FeedResynced
from dashboard.layout import frame
from dashboard.live import listen_while_open
from dashboard.roles import SUPERVISOR_PAGES, home_for, may_open
from dashboard.services import DashboardServices
from dashboard.wallboard_filters import FACETS, WallboardFilter, facet_options
from ingest.events import (
    AlertAcknowledged,
    AlertRaised,
    CallEnded,
    CallStarted,
    CallSummary,
    Event,
    TranscriptSegment,
)

TILE_EVENTS = (CallStarted, CallSummary, CallEnded, TranscriptSegment, AlertRaised, AlertAcknowledged)
REARRANGE_S = 0.5
DENSE_FROM_CALLS = 24
"""With more live calls than this, a supervisor who never chose gets the dense mode."""
SORTS = {"risk": "riskiest", "started": "oldest", "mood": "unhappiest caller", "agent": "agent"}
FACET_LABELS = {
    "agent": "Agent",
    "campaign": "Campaign",
    "in_group": "In-group",
    "language": "Language",
    "level": "Alert level",
}
GRID_STYLE = {
    "cards": "grid-template-columns: repeat(auto-fill, minmax(280px, 1fr))",
    "dense": "grid-template-columns: repeat(auto-fill, minmax(170px, 1fr))",
}


def register(services: DashboardServices) -> None:
    feed = services.feed

    @ui.page("/", title="Wallboard · callmon")
    async def wallboard_page() -> Any:
        user = current_user()
        if user is None:
            return RedirectResponse("/login", status_code=303)
        if not may_open(user.role, SUPERVISOR_PAGES):
            return RedirectResponse(home_for(user.role), status_code=303)
        build(user)
        return None

    def build(user: SessionUser) -> None:
        storage = app.storage.user
        mode = str(
            storage.get("wallboard_mode") or ("dense" if len(feed.calls) > DENSE_FROM_CALLS else "cards")
        )
        chosen: dict[str, str | None] = dict.fromkeys(FACETS)
        with frame(services, user, "Live calls", inbox=True):
            with ui.row().classes("items-center gap-2").props('data-testid="wallboard-controls"'):
                count = ui.label().props('data-testid="active-count"')
                order = ui.select(SORTS, value="risk", label="Sort", on_change=lambda: mark()).classes("w-40")
                order.props('dense data-testid="sort"').mark("sort")
                selects = {
                    facet: ui.select(
                        [],
                        label=FACET_LABELS[facet],
                        clearable=True,
                        on_change=lambda e, f=facet: choose(f, e.value),
                    )
                    .classes("w-32")
                    .props(f'dense data-testid="filter-{facet}"')
                    for facet in FACETS
                }
                text = (
                    ui.input(placeholder="Filter text", on_change=lambda: mark())
                    .props('dense clearable data-testid="filter-text"')
                    .mark("filter-text")
                    .classes("w-40")
                )
                density = ui.toggle(
                    {"cards": "cards", "dense": "dense"}, value=mode, on_change=lambda e: set_mode(e.value)
                )
                density.props('dense data-testid="density"')
            empty = ui.label("No calls in progress.").classes("text-gray-500")
            grid = ui.element("div").classes("w-full grid gap-1").props('data-testid="call-grid"')
        tiles: dict[str, CallTile] = {}
        dirty = [True]

        def set_mode(value: str) -> None:
            storage["wallboard_mode"] = value
            grid.classes(replace="w-full grid gap-1" + (" callmon-dense" if value == "dense" else ""))
            grid.style(replace=GRID_STYLE.get(value, GRID_STYLE["cards"]))

        def choose(facet: str, value: Any) -> None:
            chosen[facet] = str(value) if value else None
            mark()

        def mark() -> None:
            dirty[0] = True

        def current_filter() -> WallboardFilter:
            return WallboardFilter(tuple((f, v) for f, v in chosen.items() if v), str(text.value or ""))

        def rearrange() -> None:
            if not dirty[0]:
                return
            dirty[0] = False
            wanted = current_filter()
            shown = 0
            for rank, call in enumerate(feed.ranked_calls(str(order.value))):
                tile = tiles.get(call.call_id)
                if tile is None:
                    continue
                tile.place(rank)
                visible = wanted.matches(call)
                tile.show(visible)
                shown += visible
            total = len(tiles)
            label = f"{total} active call{'s' if total != 1 else ''}"
            count.text = label if shown == total else f"{label}, {shown} shown"
            empty.visible = not tiles
            calls = list(feed.calls.values())
            for facet, select in selects.items():
                options = facet_options(calls, facet)
                if chosen[facet] and chosen[facet] not in options:
                    options.append(str(chosen[facet]))
                if options != select.options:
                    select.set_options(options, value=chosen[facet])

        def sync(call_id: str) -> None:
            call = feed.calls.get(call_id)
            tile = tiles.get(call_id)
            if call is None:
                if tile is not None:
                    tile.card.delete()
                    del tiles[call_id]
            elif tile is None:
                with grid:
                    tiles[call_id] = CallTile(call)
            else:
                tile.update(call)

        set_mode(mode)
        for call_id in list(feed.calls):
            sync(call_id)
        rearrange()
        ui.timer(REARRANGE_S, rearrange)

        def on_event(event: Event) -> None:
            if isinstance(event, FeedResynced):
                for call_id in set(tiles) | set(feed.calls):
                    sync(call_id)
                mark()
            elif isinstance(event, TILE_EVENTS):
                sync(event.call_id)
                mark()

        listen_while_open(feed.listen, on_event)
