"""The QA search form's raw values and their translation into a `SearchQuery` (pure).

Widgets hand over strings and floats as a person typed them; anything that
cannot become a query becomes a sentence for that person instead of an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from qa.query import ALERT_LEVELS, SORT_KEYS, SearchQuery

ANY = "any"
PAGE_SIZES = (10, 25, 50, 100)


@dataclass
class SearchForm:
    """What the search page's widgets are bound to; empty means "no filter"."""

    text: str = ""
    date_from: str = ""
    date_to: str = ""
    agent: str = ""
    campaign: str = ""
    language: str = ""
    min_sentiment: float | None = None
    max_sentiment: float | None = None
    sentiment_scope: str = "call"
    has_alerts: str = ANY
    alert_level: str = ANY
    keyword: str = ""
    min_duration: float | None = None
    max_duration: float | None = None
    sort: str = "date"
    descending: bool = True
    page_size: int = 25


def build_query(
    form: SearchForm, offset: int = 0, limit: int | None = None
) -> tuple[SearchQuery | None, list[str]]:
    """The query for `form`, or None with every reason it cannot run."""
    problems: list[str] = []
    date_from = _day_start(form.date_from, "from date", problems)
    date_to = _day_start(form.date_to, "to date", problems)
    if date_to is not None:
        date_to += 86400.0  # the form's "to" day is inclusive; the query's bound is not
    has_alerts = {"yes": True, "no": False}.get(form.has_alerts)
    alert_level = form.alert_level if form.alert_level in ALERT_LEVELS else None
    fields = dict(
        text=form.text or "", date_from=date_from, date_to=date_to,
        agent=_text(form.agent), campaign=_text(form.campaign), language=_text(form.language),
        min_sentiment=form.min_sentiment, max_sentiment=form.max_sentiment,
        sentiment_scope=form.sentiment_scope, has_alerts=has_alerts, alert_level=alert_level,
        keyword=_text(form.keyword), min_duration=form.min_duration, max_duration=form.max_duration,
        sort=form.sort if form.sort in SORT_KEYS else "date", descending=bool(form.descending),
        limit=int(limit or form.page_size or 25), offset=max(0, offset),
    )  # fmt: skip
    if problems:
        return None, problems
    try:
        return SearchQuery(**fields), []  # type: ignore[arg-type]
    except ValueError as error:  # the query names every problem, joined by "; "
        return None, str(error).split("; ")


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _day_start(value: str | None, label: str, problems: list[str]) -> float | None:
    """Local midnight of a ``YYYY-MM-DD`` day as epoch seconds."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        problems.append(f"{label} {value!r} is not a date (YYYY-MM-DD)")
        return None
    return dt.datetime.combine(day, dt.time()).timestamp()
