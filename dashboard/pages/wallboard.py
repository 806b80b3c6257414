"""/ (supervisor home): every active call as a tile, updated live.

Built for 200 calls on one 1080p screen and 20 supervisors watching: a dense
mode (one small tile per call, ten to a row), sort by risk, age, caller mood
or agent, filters by agent, campaign, in-group, language and alert level plus
free text, and the alert inbox strip above, capped in height. The tiles are
one browser component fed by the process's shared `WallboardModel`: a page
gets the model's diff each tick and re-ranks (a shared ranking, its own
filter) only when something changed, so a busy shift costs each open page a
message per tick, not element updates per event.
"""

from __future__ import annotations

from typing import Any

from nicegui import app, ui
from starlette.responses import RedirectResponse

from dashboard.auth import SessionUser, current_user
from dashboard.components.call_grid import CallGrid
from dashboard.layout import frame
from dashboard.live import listen_while_open
from dashboard.roles import SUPERVISOR_PAGES, home_for, may_open
from dashboard.services import DashboardServices
from dashboard.wallboard_filters import FACETS, WallboardFilter
from dashboard.wallboard_model import WallboardDiff

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
    feed, model = services.feed, services.wallboard

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
                order = ui.select(
                    SORTS, value="risk", label="Sort", on_change=lambda: rearrange(controls_changed=True)
                )
                order.classes("w-40").props('dense data-testid="sort"').mark("sort")
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
                    ui.input(placeholder="Filter text", on_change=lambda: rearrange(controls_changed=True))
                    .props('dense clearable data-testid="filter-text"')
                    .mark("filter-text")
                    .classes("w-40")
                )
                density = ui.toggle(
                    {"cards": "cards", "dense": "dense"}, value=mode, on_change=lambda e: set_mode(e.value)
                )
                density.props('dense data-testid="density"')
            empty = ui.label("No calls in progress.").classes("text-gray-500")
            grid = CallGrid().mark("call-grid")
        shown_options: dict[str, list[str]] = {}
        ranked_at = [-1]

        def set_mode(value: str) -> None:
            storage["wallboard_mode"] = value
            grid.classes(replace="w-full grid gap-1" + (" callmon-dense" if value == "dense" else ""))
            grid.style(replace=GRID_STYLE.get(value, GRID_STYLE["cards"]))

        def choose(facet: str, value: Any) -> None:
            chosen[facet] = str(value) if value else None
            rearrange(controls_changed=True)

        def current_filter() -> WallboardFilter:
            return WallboardFilter(tuple((f, v) for f, v in chosen.items() if v), str(text.value or ""))

        def rearrange(diff: WallboardDiff | None = None, controls_changed: bool = False) -> None:
            """Send the tick's changed rows with the order and filter they make, and update
            the count and filter choices: once per model tick that changed anything, or
            when a control did. One message per tick to the browser."""
            if ranked_at[0] == model.version and not controls_changed and diff is None:
                return
            ranked_at[0] = model.version
            wanted = current_filter()
            sort = str(order.value)
            ranked = model.ranked(sort)
            if wanted.chosen or wanted.text:
                shown = [c.call_id for c in ranked if wanted.matches(c)]
                grid.send_tick(diff, shown)
            else:  # the common case: the same order as every other page sorted alike
                shown = model.ranked_ids(sort)
                grid.send_tick(diff, shown, model.ranked_ids_json(sort))
            total = len(ranked)
            label = f"{total} active call{'s' if total != 1 else ''}"
            label = label if len(shown) == total else f"{label}, {len(shown)} shown"
            if count.text != label:
                count.text = label
            empty.visible = not ranked
            for facet, options in model.facet_choices().items():
                if shown_options.get(facet) is options:
                    continue
                shown_options[facet] = options
                select = selects[facet]
                listed = list(options)
                if chosen[facet] and chosen[facet] not in listed:
                    listed.append(str(chosen[facet]))
                if listed != select.options:
                    select.set_options(listed, value=chosen[facet])

        set_mode(mode)
        model.flush()  # the rows this page starts from; later diffs build on them
        grid.start(list(model.rows.values()))
        rearrange(controls_changed=True)
        # Every model tick that changed anything: its diff (None when only a sort key moved).
        listen_while_open(model.listen, rearrange)
