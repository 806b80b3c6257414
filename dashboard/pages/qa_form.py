"""The QA search form's raw values and their translation into a `SearchQuery` (pure).

Widgets hand over strings and floats as a person typed them; anything that
cannot become a query becomes a sentence for that person instead of an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields

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
    if date_from is not None and date_to is not None and date_from > date_to:
        # said with the days as typed: the query's own check would show the day after "to"
        problems.append(f"from date {form.date_from.strip()} is after to date {form.date_to.strip()}")
    if date_to is not None:
        date_to += 86400.0  # the form's "to" day is inclusive; the query's bound is not
    has_alerts = {"yes": True, "no": False}.get(form.has_alerts)
    alert_level = form.alert_level if form.alert_level in ALERT_LEVELS else None
    values = dict(
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
        return SearchQuery(**values), []  # type: ignore[arg-type]  # each value was parsed for its field
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


_NUMBER_FIELDS = ("min_sentiment", "max_sentiment", "min_duration", "max_duration")
_URL_NAMES = {"text": "q"}
"""Form field -> URL parameter, where they differ (``?q=`` was the page's first parameter)."""


def form_to_params(form: SearchForm, offset: int = 0) -> dict[str, str]:
    """The URL parameters that reproduce `form` at `offset`: only what differs from
    an empty form, so a plain search has a short, readable address."""
    params: dict[str, str] = {}
    default = SearchForm()
    for field in fields(SearchForm):
        value = getattr(form, field.name)
        if value == getattr(default, field.name) or value is None or value == "":
            continue
        if isinstance(value, bool):
            params[field.name] = "1" if value else "0"
        else:
            params[_URL_NAMES.get(field.name, field.name)] = str(value).strip()
    if offset > 0:
        params["offset"] = str(offset)
    return params


def form_from_params(params: Mapping[str, str]) -> tuple[SearchForm, int, list[str]]:
    """The form, offset and problems for URL parameters (a hand-edited or old
    bookmark: what cannot be read is named, never an error page)."""
    form, problems = SearchForm(), []
    for field in fields(SearchForm):
        raw = params.get(_URL_NAMES.get(field.name, field.name))
        if raw is None:
            continue
        if field.name in _NUMBER_FIELDS:
            try:
                setattr(form, field.name, float(raw))
            except ValueError:
                problems.append(f"{field.name.replace('_', ' ')} {raw!r} is not a number")
        elif field.name == "descending":
            form.descending = raw not in ("0", "false", "no")
        elif field.name == "page_size":
            form.page_size = int(raw) if raw.isdigit() and int(raw) in PAGE_SIZES else form.page_size
        else:
            setattr(form, field.name, raw)
    raw_offset = params.get("offset", "0")
    offset = int(raw_offset) if raw_offset.isdigit() else 0
    return form, offset, problems
