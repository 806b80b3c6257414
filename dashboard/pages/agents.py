"""/agents: per agent, live (active calls, sentiment, open alerts, keywords) and the
last 7 days from SQLite with a chart."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from nicegui import ui

from dashboard.auth import SessionUser, guarded_page
from dashboard.feed import LiveFeed
from dashboard.layout import frame
from dashboard.roles import SUPERVISOR_PAGES
from dashboard.services import DashboardServices
from dashboard.style import format_clock, format_score
from ingest.call_identity import call_agent

LIVE_REFRESH_S = 2.0
DAYS = 7


def live_agent_rows(feed: LiveFeed) -> list[dict[str, Any]]:
    """One row per agent on a call now, from what the feed holds."""
    by_agent: dict[str, list[Any]] = defaultdict(list)
    for call in feed.calls.values():
        by_agent[call_agent(call.summary) or "unassigned"].append(call)
    rows = []
    for agent, calls in sorted(by_agent.items()):
        scores = [c.rolling for c in calls if c.rolling is not None]
        keywords = sorted({k for c in calls for k in c.summary.keywords})
        rows.append(
            {
                "agent": agent,
                "active": len(calls),
                "sentiment": format_score(sum(scores) / len(scores) if scores else None),
                "alerts": sum(len(c.open_alerts) for c in calls),
                "keywords": ", ".join(keywords),
            }
        )
    return rows


def register(services: DashboardServices) -> None:
    @guarded_page("/agents", SUPERVISOR_PAGES, "Agents")
    async def agents_page(user: SessionUser) -> None:
        stats = await services.calls.agent_stats(DAYS)
        with frame(services, user, "Agents"):
            ui.label("Now").classes("font-semibold")
            live = (
                ui.table(
                    columns=[
                        {"name": n, "label": n.capitalize(), "field": n, "align": "left"}
                        for n in ("agent", "active", "sentiment", "alerts", "keywords")
                    ],
                    rows=live_agent_rows(services.feed),
                    row_key="agent",
                )
                .classes("w-full")
                .props('data-testid="agents-live"')
            )

            def refresh() -> None:
                rows = live_agent_rows(services.feed)
                if rows != live.rows:
                    live.rows = rows

            ui.timer(LIVE_REFRESH_S, refresh)
            ui.label(f"Last {DAYS} days").classes("font-semibold")
            rows = [
                {
                    "agent": s["agent"] or "unassigned",
                    "calls": s["calls"],
                    "sentiment": format_score(s["avg_sentiment"]),
                    "alerts": s["alerts"] or 0,
                    "avg_duration": format_clock(s["avg_duration"]),
                }
                for s in stats
            ]
            ui.table(
                columns=[
                    {"name": n, "label": n.replace("_", " ").capitalize(), "field": n, "align": "left"}
                    for n in ("agent", "calls", "sentiment", "alerts", "avg_duration")
                ],
                rows=rows,
                row_key="agent",
            ).classes("w-full").props('data-testid="agents-week"')
            names = [row["agent"] for row in rows]
            ui.plotly(
                {
                    "data": [
                        {"type": "bar", "name": "calls", "x": names, "y": [s["calls"] for s in stats]},
                        {
                            "type": "scatter",
                            "mode": "markers",
                            "name": "avg sentiment",
                            "yaxis": "y2",
                            "x": names,
                            "y": [s["avg_sentiment"] for s in stats],
                            "marker": {"size": 12, "color": "#dc2626"},
                        },
                    ],
                    "layout": {
                        "height": 300,
                        "margin": {"l": 40, "r": 40, "t": 10, "b": 40},
                        "yaxis": {"title": {"text": "calls"}},
                        "yaxis2": {
                            "title": {"text": "sentiment"},
                            "overlaying": "y",
                            "side": "right",
                            "range": [-1, 1],
                        },
                    },
                }
            ).classes("w-full")
