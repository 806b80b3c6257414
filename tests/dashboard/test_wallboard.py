"""The wallboard for many calls: moods per party, lag, translations, sort and filters."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from nicegui.testing import User

from dashboard.components.call_grid import CallGrid
from dashboard.feed import LiveCall
from dashboard.wallboard_filters import WallboardFilter, facet_options
from dashboard.wallboard_model import Row, lag_text, shown_line
from ingest.events import CallSummary, TranscriptSegment
from tests.dashboard.conftest import add_segment, raise_alert, start_call


def live_call(call_id: str, **fields: object) -> LiveCall:
    summary = CallSummary(call_id, "simulated", "active", time.time(), agent=str(fields.pop("agent", "ann")))
    call = LiveCall(call_id, summary)
    for name, value in fields.items():
        setattr(call, name, value)
    return call


def test_foreign_lines_show_the_translation_with_the_original_for_hover() -> None:
    call = live_call("c", last_speaker="caller", last_text="quiero cancelar", last_translation="i want to cancel",
                     last_language="es")  # fmt: skip
    assert shown_line(call) == ("caller: i want to cancel", "es: quiero cancelar")
    english = live_call(
        "d", last_speaker="agent", last_text="hello", last_translation=None, last_language="en"
    )
    assert shown_line(english) == ("agent: hello", None)


def test_lag_is_shown_only_when_recognition_falls_behind() -> None:
    assert lag_text(live_call("a", lag_s=3.0)) == ""
    assert lag_text(live_call("b", lag_s=40.4)) == "40 s behind"


def test_filters_match_facets_case_insensitively_and_free_text() -> None:
    ann = live_call("c1", agent="Ann", last_text="cancel my plan")
    bob = live_call("c2", agent="bob", last_text="thank you")
    assert WallboardFilter((("agent", "ann"),)).matches(ann)
    assert not WallboardFilter((("agent", "ann"),)).matches(bob)
    assert WallboardFilter(text="CANCEL").matches(ann) and not WallboardFilter(text="cancel").matches(bob)
    assert WallboardFilter((("level", "none"),)).matches(bob)
    assert facet_options([bob, ann], "agent") == ["Ann", "bob"]


def grid_of(user: User) -> CallGrid:
    """The page's tile grid: the rows and order it sent to the browser."""
    grid = next(iter(user.find(marker="call-grid").elements))
    assert isinstance(grid, CallGrid)
    return grid


async def tile_when(user: User, call_id: str, condition: Callable[[Row], bool]) -> Row:
    """The tile of `call_id` on screen once `condition` holds for it."""
    grid = grid_of(user)

    def ready() -> bool:
        row = grid.rows.get(call_id)
        return row is not None and call_id in grid.order and condition(row)

    await until(ready)
    return grid.rows[call_id]


async def test_tiles_show_each_partys_mood_lag_and_translation(logged_in, services) -> None:
    await start_call(services, "call-l", agent="lena", started_at=time.time() - 60)
    user = await logged_in("sup")
    await user.open("/")
    await tile_when(user, "call-l", lambda row: row["agent"] == "lena")
    await add_segment(services, "call-l", "hello how can i help", speaker="agent", score=0.4)
    await add_segment(services, "call-l", "no quiero esto", speaker="caller", score=-0.5, start=3.0,
                      translation="i do not want this")  # fmt: skip
    tile = await tile_when(user, "call-l", lambda row: row["caller"] == "caller -0.50")
    assert tile["agent_mood"] == "agent +0.40"
    assert tile["lag"].endswith("s behind")
    lag = tile["lag"]  # spoken 3-5 s into a call 60 s old
    assert 50 <= int(lag.split()[0]) <= 60, lag
    foreign = await services.calls.add_segment(
        TranscriptSegment(
            "call-l",
            "caller",
            8.0,
            9.0,
            "es muy caro",
            0.9,
            "es",
            "test",
            -0.3,
            "negative",
            translation="it is very expensive",
            rolling_sentiment=-0.4,
        )
    )
    await services.bus.publish(foreign)
    tile = await tile_when(user, "call-l", lambda row: row["line"] == "caller: it is very expensive")
    assert tile["original"] == "es: es muy caro"


async def test_sort_and_filters_choose_and_order_tiles(logged_in, services) -> None:
    await start_call(services, "call-1", agent="zoe")
    await start_call(services, "call-2", agent="adam")
    await raise_alert(services, "call-1", "urgent")
    user = await logged_in("sup")
    await user.open("/")
    await user.should_see("2 active calls", retries=30)
    grid = grid_of(user)
    await until(lambda: grid.order == ["call-1", "call-2"])  # riskiest first
    assert grid.rows["call-1"]["badge"] == "1 urgent"
    user.find(marker="sort").elements.pop().set_value("agent")
    await until(lambda: grid.order == ["call-2", "call-1"])
    user.find(marker="filter-text").type("adam")
    await user.should_see("2 active calls, 1 shown", retries=30)
    assert [row["agent"] for row in grid.shown_rows] == ["adam"]


async def until(condition: Callable[[], bool], within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
