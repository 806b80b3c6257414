"""SQL for a search's filters and sort order (pure: strings and parameters).

Everything here is written against ``calls c``; values always travel as
parameters, only fixed fragments are pasted into the SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from qa.query import ALERT_LEVELS, SearchQuery

CALL_FIELDS = (
    "c.id, c.started_at, c.ended_at, c.duration, c.agent, c.agent_name, c.campaign, c.in_group,"
    " c.language, c.avg_sentiment, c.segment_count, c.alert_count, c.status"
)
_SORT_COLUMNS = {
    "date": "c.started_at",
    "duration": "c.duration",
    "sentiment": "c.avg_sentiment",
    "alerts": "c.alert_count",
}


@dataclass
class CallFilter:
    """``WHERE`` conditions on ``calls c`` and their named parameters."""

    conditions: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, condition: str, **params: Any) -> None:
        self.conditions.append(condition)
        self.params.update(params)

    def sql(self) -> str:
        return " AND ".join(self.conditions) if self.conditions else "1 = 1"


def call_filter(
    query: SearchQuery, *, alerts_table: bool, walk_sort_index: bool = False, dialect: str = "sqlite"
) -> CallFilter:
    """Conditions on the call row itself (segment-scope sentiment is added by the plans).

    `walk_sort_index` makes SQLite walk the index of the sort order (and stop
    when the page is full) instead of an index of a filter, which would make it
    test every candidate call before sorting: a unary ``+`` hides a column from
    the planner. Agent and language stay usable for date order, because their
    indexes end with ``started_at``.

    `dialect` ``postgresql`` writes the same conditions for PostgreSQL: its
    planner weighs the indexes itself, case-insensitive matches go through
    the ``lower()`` indexes and keywords through ``jsonb``.
    """
    where = CallFilter()
    postgres = dialect == "postgresql"

    def col(name: str, keeps_date_order: bool = False) -> str:
        hidden = walk_sort_index and not postgres and not (keeps_date_order and query.sort == "date")
        return f"+c.{name}" if hidden else f"c.{name}"

    def same_text(name: str, param: str) -> str:
        if postgres:  # lower() on both sides: the lower(col) index, and the server's idea of case
            return f"lower(c.{name}) = lower(CAST(:{param} AS text))"
        return f"{col(name, name == 'agent')} COLLATE NOCASE = :{param}"

    if query.date_from is not None:
        where.add(f"{col('started_at', True)} >= :date_from", date_from=query.date_from)
    if query.date_to is not None:
        where.add(f"{col('started_at', True)} < :date_to", date_to=query.date_to)
    # Agent and campaign ids are typed by people: matched whatever their case,
    # through the NOCASE indexes (the comparison's collation must be the index's).
    if query.agent:
        where.add(same_text("agent", "agent"), agent=query.agent)
    if query.campaign:
        where.add(
            f"({same_text('campaign', 'campaign')} OR {same_text('in_group', 'campaign')})",
            campaign=query.campaign,
        )
    if query.language:
        where.add(f"{col('language', True)} = :language", language=query.language)
    if query.sentiment_scope == "call":
        if query.min_sentiment is not None:
            where.add(f"{col('avg_sentiment')} >= :min_sentiment", min_sentiment=query.min_sentiment)
        if query.max_sentiment is not None:
            where.add(f"{col('avg_sentiment')} <= :max_sentiment", max_sentiment=query.max_sentiment)
    if query.has_alerts is True:
        where.add(f"{col('alert_count')} > 0")
    elif query.has_alerts is False:
        where.add(f"{col('alert_count')} = 0")
    if query.alert_level:
        if not alerts_table:
            where.add("1 = 0")  # no alerts were ever stored in this database
        else:
            levels = ALERT_LEVELS[ALERT_LEVELS.index(query.alert_level) :]
            names = {f"level_{i}": level for i, level in enumerate(levels)}
            where.add(
                f"{col('alert_count')} > 0 AND EXISTS (SELECT 1 FROM alerts a WHERE a.call_id = c.id"
                f" AND a.level IN ({', '.join(':' + n for n in names)}))",
                **names,
            )
    if query.keyword:
        in_list = (
            "EXISTS (SELECT 1 FROM jsonb_array_elements_text(CAST(c.keywords AS jsonb)) AS k (value)"
            " WHERE k.value = :keyword)"
            if postgres
            else "EXISTS (SELECT 1 FROM json_each(c.keywords) WHERE json_each.value = :keyword)"
        )
        where.add(in_list, keyword=query.keyword.strip().lower())
    if query.min_duration is not None:
        where.add(f"{col('duration')} >= :min_duration", min_duration=query.min_duration)
    if query.max_duration is not None:
        where.add(f"{col('duration')} <= :max_duration", max_duration=query.max_duration)
    return where


KEYED_DAYS_MAX = 31
"""A date range up to this many days long is also matched by day keys."""
DAY_S = 86400


def segment_call_key_sets(query: SearchQuery, now: float) -> tuple[list[str], list[list[str]]]:
    """The call keys `segment_call_keys_sql` asks for, as Python sees them (pure):
    keys a segment must hold, and groups of which it must hold one. For
    estimates only (case is folded by Python here, by the server there)."""
    required = []
    if query.language:
        required.append(f"language:{query.language}")
    if query.agent:
        required.append(f"agent:{query.agent.lower()}")
    if query.has_alerts is True or query.alert_level:
        required.append("alerts")
    groups = []
    if query.campaign:
        groups.append([f"campaign:{query.campaign.lower()}", f"in_group:{query.campaign.lower()}"])
    if _keyed_days(query, now):
        assert query.date_from is not None
        end = query.date_to if query.date_to is not None else now
        first, last = math.floor(query.date_from / DAY_S), math.floor(end / DAY_S)
        groups.append([f"day:{day}" for day in range(first, last + 1)])
    return required, groups


def _keyed_days(query: SearchQuery, now: float) -> bool:
    end = query.date_to if query.date_to is not None else now
    return query.date_from is not None and end - query.date_from <= KEYED_DAYS_MAX * DAY_S


def segment_call_keys_sql(query: SearchQuery, now: float, alias: str = "s") -> str:
    """PostgreSQL: the call filters a segment can answer from its own copy of its
    call's keys (``segments.call_keys``, see schema_postgres.SEGMENT_CALL_KEYS),
    or ``""``. The same parameters as `call_filter`'s, compared as it compares
    them (language exactly, the others lower-cased). A segment whose call
    passes the filters always passes these; a date range is matched by whole
    UTC days, a superset, so the call row is still checked too. A range longer
    than `KEYED_DAYS_MAX` days (as of `now` when open-ended) is left to the call
    rows: its day keys would cost more than they save."""
    required = []
    if query.language:
        required.append("'language:' || CAST(:language AS text)")
    if query.agent:
        required.append("'agent:' || lower(CAST(:agent AS text))")
    if query.has_alerts is True or query.alert_level:
        required.append("'alerts'")
    parts = [f"{alias}.call_keys @> ARRAY[{', '.join(required)}]"] if required else []
    if query.campaign:
        parts.append(
            f"{alias}.call_keys && ARRAY['campaign:' || lower(CAST(:campaign AS text)),"
            " 'in_group:' || lower(CAST(:campaign AS text))]"
        )
    if _keyed_days(query, now):
        last = (
            "CAST(:date_to AS double precision)"
            if query.date_to is not None
            else "(SELECT max(c.started_at) FROM calls c)"  # calls stamped after `now` too
        )
        parts.append(
            f"{alias}.call_keys && ARRAY(SELECT 'day:' || day FROM generate_series("
            "CAST(floor(CAST(:date_from AS double precision) / 86400) AS bigint),"
            f" CAST(floor({last} / 86400) AS bigint)) AS day)"
        )
    return " AND ".join(parts)


def segment_sentiment_sql(query: SearchQuery, alias: str = "s") -> str:
    """Conditions on a segment's score for the ``segment`` scope, or ``""``."""
    if query.sentiment_scope != "segment":
        return ""
    parts = []
    if query.min_sentiment is not None:
        parts.append(f"{alias}.sentiment_score >= :min_sentiment")
    if query.max_sentiment is not None:
        parts.append(f"{alias}.sentiment_score <= :max_sentiment")
    return " AND ".join(parts)


def segment_sentiment_params(query: SearchQuery) -> dict[str, Any]:
    if query.sentiment_scope != "segment":
        return {}
    return {
        name: getattr(query, name)
        for name in ("min_sentiment", "max_sentiment")
        if getattr(query, name) is not None
    }


def order_by(query: SearchQuery, *, relevance: str | None = None, dialect: str = "sqlite") -> str:
    """``ORDER BY`` for the query; ties broken by call id so pages never overlap.
    A missing value (a live call has no duration yet) sorts as the smallest,
    SQLite's own rule, so the order can be read straight from an index;
    PostgreSQL is told the same rule (it sorts NULL as the largest)."""
    direction = "DESC" if query.descending else "ASC"
    if query.sort == "relevance" and relevance is not None:
        # Relevance is a cost on both backends (bm25 ranks, negated ts_rank): smaller is better.
        return f"{relevance} {'ASC' if query.descending else 'DESC'}, c.started_at DESC, c.id"
    column = _SORT_COLUMNS.get(query.sort, "c.started_at")
    nulls = ""
    if dialect == "postgresql" and column != "c.started_at":  # started_at is never NULL
        nulls = " NULLS LAST" if query.descending else " NULLS FIRST"
    return f"{column} {direction}{nulls}, c.id {direction}"
