"""/ (supervisor home): every active call as a tile, updated live, riskiest first."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from starlette.responses import RedirectResponse

from dashboard.auth import SessionUser, current_user
from dashboard.components.call_tile import CallTile
from dashboard.layout import frame
from dashboard.live import listen_while_open
from dashboard.roles import SUPERVISOR_PAGES, home_for, may_open
from dashboard.services import DashboardServices
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
        with frame(services, user, "Live calls", inbox=True):
            with ui.row().classes("items-center gap-4"):
                count = ui.label().props('data-testid="active-count"')
                order = ui.toggle(
                    {"risk": "riskiest first", "started": "oldest first"},
                    value="risk",
                    on_change=lambda: rearrange(),
                )
            empty = ui.label("No calls in progress.").classes("text-gray-500")
            grid = (
                ui.element("div")
                .classes("w-full grid gap-2")
                .style("grid-template-columns: repeat(auto-fill, minmax(280px, 1fr))")
            )
        tiles: dict[str, CallTile] = {}

        def rearrange() -> None:
            for rank, call in enumerate(feed.ranked_calls(order.value)):
                if call.call_id in tiles:
                    tiles[call.call_id].place(rank)
            count.text = f"{len(tiles)} active call{'s' if len(tiles) != 1 else ''}"
            empty.visible = not tiles

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

        for call_id in list(feed.calls):
            sync(call_id)
        rearrange()

        def on_event(event: Event) -> None:
            if isinstance(event, TILE_EVENTS):
                sync(event.call_id)
                rearrange()

        listen_while_open(feed.listen, on_event)
