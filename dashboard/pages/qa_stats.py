"""/qa/agents: per agent over the last N days: calls, sentiment, alerts, duration and
the average QA score, as a table and a chart."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from dashboard.auth import SessionUser, guarded_page
from dashboard.layout import frame
from dashboard.roles import QA_PAGES
from dashboard.services import DashboardServices
from dashboard.style import format_clock, format_score
from qa.stats import AgentStats, agent_statistics

PERIODS = {7: "7 days", 30: "30 days", 90: "90 days"}
COLUMNS = ("agent", "calls", "sentiment", "alerts", "avg_duration", "qa_score", "scored_calls")


def stats_rows(stats: list[AgentStats]) -> list[dict[str, Any]]:
    return [
        {
            "agent": s.agent_name or s.agent or "unassigned",
            "calls": s.calls,
            "sentiment": format_score(s.avg_sentiment),
            "alerts": s.alerts or 0,
            "avg_duration": format_clock(s.avg_duration),
            "qa_score": "–" if s.avg_qa_score is None else f"{s.avg_qa_score:.0f}",
            "scored_calls": s.scored_calls,
        }
        for s in stats
    ]


def stats_figure(stats: list[AgentStats]) -> dict[str, Any]:
    names = [s.agent_name or s.agent or "unassigned" for s in stats]
    return {
        "data": [
            {
                "type": "bar",
                "name": "avg QA score",
                "x": names,
                "y": [s.avg_qa_score for s in stats],
                "marker": {"color": "#0f766e"},
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": "avg sentiment",
                "yaxis": "y2",
                "x": names,
                "y": [s.avg_sentiment for s in stats],
                "marker": {"size": 12, "color": "#dc2626"},
            },
        ],
        "layout": {
            "height": 300,
            "margin": {"l": 40, "r": 40, "t": 10, "b": 40},
            "yaxis": {"title": {"text": "QA score"}, "range": [0, 100]},
            "yaxis2": {"title": {"text": "sentiment"}, "overlaying": "y", "side": "right", "range": [-1, 1]},
        },
        "config": {"displayModeBar": False},
    }


def register(services: DashboardServices) -> None:
    @guarded_page("/qa/agents", QA_PAGES, "Agent statistics")
    async def qa_stats_page(user: SessionUser, days: int = 7) -> None:
        days = days if days in PERIODS else 7
        stats = await agent_statistics((services.database or services.db_path), days)
        with frame(services, user, "Agent statistics"):
            with ui.row().classes("items-center gap-3"):
                ui.link("← search", "/qa").classes("text-sm")
                for period, label in PERIODS.items():
                    link = ui.link(label, f"/qa/agents?days={period}").classes("text-sm")
                    if period == days:
                        link.classes("font-bold")
            ui.table(
                columns=[
                    {"name": n, "label": n.replace("_", " ").capitalize(), "field": n, "align": "left"}
                    for n in COLUMNS
                ],
                rows=stats_rows(stats),
                row_key="agent",
            ).classes("w-full").props('data-testid="qa-agent-stats"')
            ui.plotly(stats_figure(stats)).classes("w-full").props('data-testid="qa-agent-chart"')
