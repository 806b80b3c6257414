"""Per-agent statistics over the last N days (calls started in the window).

Average sentiment is weighted by segments (every utterance counts once, not
every call); alerts are counted from the alerts table when it exists; the QA
score is the mean of each reviewed call's newest scorecard total.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiosqlite

DAY_S = 86400.0


@dataclass(frozen=True, slots=True)
class AgentStats:
    agent: str | None
    agent_name: str | None
    calls: int
    segments: int
    avg_sentiment: float | None
    positive_segments: int
    negative_segments: int
    alerts: int
    avg_duration: float | None
    avg_qa_score: float | None
    scored_calls: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


async def agent_statistics(
    db_path: str | Path, days: float = 7, *, now: float | None = None
) -> list[AgentStats]:
    """One row per agent (None = calls without an agent), busiest first."""
    if days <= 0:
        raise ValueError("days must be more than 0")
    since = (time.time() if now is None else now) - days * DAY_S
    async with aiosqlite.connect(f"{Path(db_path).resolve().as_uri()}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        tables = {
            row[0] async for row in await db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        alerts = (
            "(SELECT count(*) FROM alerts a WHERE a.call_id = c.id)"
            if "alerts" in tables
            else "c.alert_count"
        )
        score = (
            "(SELECT q.total FROM qa_scorecards q WHERE q.call_id = c.id AND q.total IS NOT NULL"
            " ORDER BY q.reviewed_at DESC, q.id DESC LIMIT 1)"
            if "qa_scorecards" in tables else "NULL"
        )  # fmt: skip
        sql = (
            f"WITH windowed AS (SELECT c.*, {alerts} AS alerts_n, {score} AS qa_total"
            " FROM calls c WHERE c.started_at >= ?)"
            " SELECT agent, MAX(agent_name) AS agent_name, COUNT(*) AS calls,"
            " SUM(segment_count) AS segments,"
            " SUM(avg_sentiment * segment_count) / NULLIF(SUM(segment_count), 0) AS avg_sentiment,"
            " SUM(positive_count) AS positive_segments, SUM(negative_count) AS negative_segments,"
            " SUM(alerts_n) AS alerts, AVG(duration) AS avg_duration,"
            " AVG(qa_total) AS avg_qa_score, COUNT(qa_total) AS scored_calls"
            " FROM windowed GROUP BY agent ORDER BY calls DESC, agent"
        )
        async with db.execute(sql, (since,)) as cursor:
            rows = await cursor.fetchall()
    return [AgentStats(**dict(row)) for row in rows]
