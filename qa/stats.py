"""Per-agent statistics over the last N days (calls started in the window).

Average sentiment is weighted by segments (every utterance counts once, not
every call); alerts are counted from the alerts table when it exists; the QA
score is the mean of each reviewed call's newest scorecard total. The same
query runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import asdict, dataclass
from typing import Any

from ingest.storage.database import Row
from qa.database import QAStore, is_postgres, postgres, sqlite_location, sqlite_read_only, table_exists

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


async def agent_statistics(db: QAStore, days: float = 7, *, now: float | None = None) -> list[AgentStats]:
    """One row per agent (None = calls without an agent), busiest first. `db` is
    a SQLite path or any store `qa.database` accepts (PostgreSQL too)."""
    if days <= 0:
        raise ValueError("days must be more than 0")
    since = (time.time() if now is None else now) - days * DAY_S
    if is_postgres(db):
        async with postgres(db) as database:
            tables = {name for name in ("alerts", "qa_scorecards") if await table_exists(database, name)}
            rows = await database.fetch_all(_statistics_sql(tables), (since,))
        return [_stats(row) for row in rows]
    async with sqlite_read_only(sqlite_location(db)) as conn:
        async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor:
            tables = {row[0] for row in await cursor.fetchall()}
        async with conn.execute(_statistics_sql(tables), (since,)) as cursor:
            cursor.row_factory = sqlite3.Row  # whatever the caller's connection uses
            return [_stats(row) for row in await cursor.fetchall()]


def _statistics_sql(tables: set[str]) -> str:
    """The statistics query, portable: it reads alerts and scorecards only where their tables exist."""
    alerts = (
        "(SELECT count(*) FROM alerts a WHERE a.call_id = c.id)" if "alerts" in tables else "c.alert_count"
    )
    score = (
        "(SELECT q.total FROM qa_scorecards q WHERE q.call_id = c.id AND q.total IS NOT NULL"
        " ORDER BY q.reviewed_at DESC, q.id DESC LIMIT 1)"
        if "qa_scorecards" in tables else "NULL"
    )  # fmt: skip
    return (
        f"WITH windowed AS (SELECT c.*, {alerts} AS alerts_n, {score} AS qa_total"
        " FROM calls c WHERE c.started_at >= ?)"
        " SELECT agent, MAX(agent_name) AS agent_name, COUNT(*) AS calls,"
        " SUM(segment_count) AS segments,"
        " SUM(avg_sentiment * segment_count) / NULLIF(SUM(segment_count), 0) AS avg_sentiment,"
        " SUM(positive_count) AS positive_segments, SUM(negative_count) AS negative_segments,"
        " SUM(alerts_n) AS alerts, AVG(duration) AS avg_duration,"
        " AVG(qa_total) AS avg_qa_score, COUNT(qa_total) AS scored_calls"
        " FROM windowed GROUP BY agent"
        # NULL (no agent) sorts first on both backends, as SQLite always did.
        " ORDER BY calls DESC, CASE WHEN agent IS NULL THEN 0 ELSE 1 END, agent"
    )


def _stats(row: Row | sqlite3.Row) -> AgentStats:
    """PostgreSQL sums integers as bigint/numeric: every field back to the type it has on SQLite."""

    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    return AgentStats(
        agent=row["agent"], agent_name=row["agent_name"], calls=int(row["calls"]),
        segments=int(row["segments"] or 0), avg_sentiment=number(row["avg_sentiment"]),
        positive_segments=int(row["positive_segments"] or 0),
        negative_segments=int(row["negative_segments"] or 0), alerts=int(row["alerts"] or 0),
        avg_duration=number(row["avg_duration"]), avg_qa_score=number(row["avg_qa_score"]),
        scored_calls=int(row["scored_calls"]),
    )  # fmt: skip
