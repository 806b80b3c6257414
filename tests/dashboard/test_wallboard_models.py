"""The shared wallboard and inbox models, fed typed events directly (no pages):
one diff per tick for every page, rows as the tiles show them, shared rankings."""

from __future__ import annotations

import time

from dashboard.feed import LiveFeed
from dashboard.inbox_model import AlertInboxModel
from dashboard.wallboard_model import WallboardDiff, WallboardModel
from ingest.bus import MemoryBus
from ingest.events import AlertAcknowledged, AlertRaised, CallStarted, CallSummary, TranscriptSegment
from tests.support.factories import make_segment


def started(call_id: str, agent: str) -> CallSummary:
    return CallSummary(call_id, "simulated", "active", time.time(), agent=agent)


def alert(alert_id: str, call_id: str, level: str, text: str = "") -> AlertRaised:
    return AlertRaised(alert_id, call_id, level, ("lawyer",), ("legal threat",), text, "caller", -0.5, -0.5)  # type: ignore[arg-type]


def line(call_id: str, text: str, score: float) -> TranscriptSegment:
    return make_segment(call_id, text=text, sentiment_score=score, rolling_sentiment=score)


async def test_events_become_one_diff_per_tick_for_every_page() -> None:
    feed = LiveFeed(MemoryBus())
    model = WallboardModel(feed, tick_s=3600)  # ticks by hand below (no await in between)
    pages: list[list[WallboardDiff | None]] = [[], []]
    for seen in pages:
        model.listen(seen.append)
    feed.take(started("c1", "ann"))
    feed.take(CallStarted("c2", "simulated", metadata={"agent": "bob"}))
    for n in range(5):  # five lines in one tick: the tile shows the last
        feed.take(line("c1", f"line {n}", -0.1 * n))
    diff = model.flush()
    assert diff is not None and {row["id"] for row in diff.changed} == {"c1", "c2"}
    assert model.rows["c1"]["line"] == "caller: line 4" and model.rows["c1"]["caller"] == "caller -0.40"
    assert pages[0] == pages[1] == [diff]  # the same object: its JSON is built once
    assert model.flush() is None and pages[0] == [diff]  # nothing new, nothing sent
    feed.take(CallSummary("c2", "simulated", "ended", time.time()))
    ended = model.flush()
    assert ended is not None and ended.removed == ["c2"] and "c2" not in model.rows
    await model.close()


def test_rankings_and_choices_are_computed_once_per_tick() -> None:
    feed = LiveFeed(MemoryBus())
    model = WallboardModel(feed)
    feed.take(started("calm", "zoe"))
    feed.take(started("risky", "adam"))
    feed.take(alert("a1", "risky", "urgent"))
    model.flush()
    assert model.ranked_ids("risk") == ["risky", "calm"]
    assert model.ranked("risk") is model.ranked("risk")  # shared by every page
    assert model.ranked_ids_json("agent") == '["risky","calm"]'
    choices = model.facet_choices()
    assert choices["agent"] == ["adam", "zoe"] and choices["level"] == ["none", "urgent"]
    feed.take(line("calm", "still here", 0.2))  # changes no facet
    model.flush()
    assert model.facet_choices()["agent"] is choices["agent"]  # pages compare by identity


def test_the_inbox_rows_follow_alerts_acknowledgements_and_call_ends() -> None:
    feed = LiveFeed(MemoryBus())
    inbox = AlertInboxModel(feed)
    feed.take(started("c1", "ann"))
    feed.take(started("c2", "bob"))
    feed.take(alert("w", "c1", "warning", "this is slow"))
    feed.take(alert("u", "c2", "urgent", "i will call my lawyer"))
    feed.take(alert("w2", "c2", "warning"))
    assert inbox.flush()
    assert [(r["id"], r["level"], r["count"]) for r in inbox.rows] == [
        ("c2", "urgent", "2 alerts"),
        ("c1", "warning", "1 alert"),
    ]
    assert inbox.rows[1]["quote"] == "“this is slow”" and inbox.open_alerts == 3
    assert not inbox.flush()  # nothing changed
    feed.take(AlertAcknowledged("u", "c2", "sup", time.time()))
    feed.take(CallSummary("c1", "simulated", "ended", time.time()))
    assert inbox.flush()
    assert [(r["id"], r["level"]) for r in inbox.rows] == [("c2", "warning")] and inbox.open_alerts == 1
