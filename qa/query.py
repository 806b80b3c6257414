"""What a QA search asks for and what it answers (typed, checked, pure).

Sentiment filters have two scopes:

- ``call`` (default): the call's average sentiment (``calls.avg_sentiment``,
  the mean VADER compound score of all its segments) lies in the range.
- ``segment``: at least one segment lies in the range; with search text, it
  must be one of the segments that match the text ("where did a caller say
  *refund* angrily?").

`alert_level` means "at least one alert at this level or higher"
(warning < urgent < critical); `has_alerts` uses the call's alert count.
`campaign` matches the call's campaign or its in-group. Times are Unix
epoch seconds; `date_from` is inclusive and `date_to` exclusive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Literal

from alerts.levels import LEVELS

SortKey = Literal["date", "duration", "sentiment", "alerts", "relevance"]
SORT_KEYS: tuple[str, ...] = ("date", "duration", "sentiment", "alerts", "relevance")
SentimentScope = Literal["call", "segment"]
ALERT_LEVELS: tuple[str, ...] = LEVELS
MAX_LIMIT = 500


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str = ""
    date_from: float | None = None
    date_to: float | None = None
    agent: str | None = None
    campaign: str | None = None
    language: str | None = None
    min_sentiment: float | None = None
    max_sentiment: float | None = None
    sentiment_scope: SentimentScope = "call"
    has_alerts: bool | None = None
    alert_level: str | None = None
    keyword: str | None = None
    min_duration: float | None = None
    max_duration: float | None = None
    sort: SortKey = "date"
    descending: bool = True
    limit: int = 25
    offset: int = 0
    snippets_per_call: int = 3

    def __post_init__(self) -> None:
        problems = query_problems(self)
        if problems:
            raise ValueError("; ".join(problems))


def query_problems(query: SearchQuery) -> list[str]:
    """Every reason `query` cannot run, as short sentences for a person."""
    problems: list[str] = []
    if query.sort not in SORT_KEYS:
        problems.append(f"sort must be one of {', '.join(SORT_KEYS)}, not {query.sort!r}")
    if query.sentiment_scope not in ("call", "segment"):
        problems.append(f"sentiment scope must be 'call' or 'segment', not {query.sentiment_scope!r}")
    if query.alert_level is not None and query.alert_level not in ALERT_LEVELS:
        problems.append(f"alert level must be one of {', '.join(ALERT_LEVELS)}, not {query.alert_level!r}")
    if not 1 <= query.limit <= MAX_LIMIT:
        problems.append(f"limit must be between 1 and {MAX_LIMIT}, not {query.limit}")
    if query.offset < 0:
        problems.append(f"offset must be 0 or more, not {query.offset}")
    if query.snippets_per_call < 0:
        problems.append("snippets per call must be 0 or more")
    for name in ("min_sentiment", "max_sentiment"):
        value = getattr(query, name)
        if value is not None and not -1.0 <= value <= 1.0:
            problems.append(f"{name.replace('_', ' ')} must be between -1 and 1, not {value}")
    for low, high in (("min_sentiment", "max_sentiment"), ("min_duration", "max_duration")):
        lo, hi = getattr(query, low), getattr(query, high)
        if lo is not None and hi is not None and lo > hi:
            problems.append(f"{low.replace('_', ' ')} ({lo}) is after {high.replace('_', ' ')} ({hi})")
    if query.date_from is not None and query.date_to is not None and query.date_from >= query.date_to:
        # date_to is exclusive: an equal bound is an empty range, as wrong as a reversed one
        problems.append(
            f"from {readable_time(query.date_from)} is not before to {readable_time(query.date_to)}"
        )
    return problems


def readable_time(epoch: float) -> str:
    """Local ``2026-11-29`` (at midnight) or ``2026-11-29 14:30``: how a person wrote it."""
    moment = dt.datetime.fromtimestamp(epoch)
    if moment.time() == dt.time():
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M:%S" if moment.second else "%Y-%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class Snippet:
    """One matching segment. `spans` are ``(start, end)`` character offsets of the
    matched words in `text` and `translation_spans` in `translation`: render the
    text as plain text and emphasise those ranges (no markup to escape)."""

    segment_id: int
    speaker: str
    start: float
    end: float
    sentiment_score: float
    text: str
    spans: tuple[tuple[int, int], ...]
    translation: str | None = None
    translation_spans: tuple[tuple[int, int], ...] = ()

    def marked(self, before: str = "[", after: str = "]") -> str:
        """The text with `before`/`after` around each match (for terminals and CSV)."""
        return mark_spans(self.text, self.spans, before, after)


@dataclass(frozen=True, slots=True)
class CallHit:
    call_id: str
    started_at: float
    ended_at: float | None
    duration: float | None
    agent: str | None
    agent_name: str | None
    campaign: str | None
    in_group: str | None
    language: str | None
    avg_sentiment: float | None
    segment_count: int
    alert_count: int
    status: str
    matching_segments: int | None = None
    relevance: float | None = None
    snippets: tuple[Snippet, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of calls. `total` is None when counting every match would cost more
    than the page itself (a very common word): use `has_more` to page on.
    `notices` explain what was done with awkward input; `plan` says which query
    plan ran (``filters``, ``text-first``, ``calls-first``)."""

    hits: tuple[CallHit, ...]
    total: int | None
    has_more: bool
    query: SearchQuery
    match_expression: str | None = None
    notices: tuple[str, ...] = ()
    plan: str = "filters"

    def to_dict(self) -> dict[str, Any]:
        return {
            "hits": [hit.to_dict() for hit in self.hits], "total": self.total,
            "has_more": self.has_more, "query": asdict(self.query),
            "match_expression": self.match_expression, "notices": list(self.notices),
            "plan": self.plan,
        }  # fmt: skip


def mark_spans(text: str, spans: tuple[tuple[int, int], ...], before: str, after: str) -> str:
    pieces, position = [], 0
    for start, end in spans:
        pieces += [text[position:start], before, text[start:end], after]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
