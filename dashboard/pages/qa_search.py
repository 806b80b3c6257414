"""/qa: search stored calls by what was said and by filters, page through the
results, export them, open a call for review."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from nicegui import ui

from dashboard.auth import SessionUser, guarded_page
from dashboard.components.transcript import Span
from dashboard.layout import frame
from dashboard.pages.qa_form import (
    ANY,
    PAGE_SIZES,
    SearchForm,
    build_query,
    form_from_params,
    form_to_params,
)
from dashboard.roles import QA_PAGES
from dashboard.services import DashboardServices
from dashboard.style import format_clock, format_score, sentiment_classes
from qa import SearchPage, SearchQuery, Snippet, search_calls
from qa.exports import search_results_csv, search_results_json
from qa.query import ALERT_LEVELS, MAX_LIMIT, SORT_KEYS

log = logging.getLogger(__name__)
MATCH_CLASSES = "bg-yellow-200 font-semibold rounded px-0.5"


def review_path(call_id: str) -> str:
    return f"/qa/calls/{quote(call_id, safe='')}"


def highlighted_text(text: str, spans: tuple[tuple[int, int], ...]) -> None:
    """`text` as plain spans, the matched ranges emphasised (no HTML from data)."""
    position = 0
    for start, end in spans:
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        if start > position:
            Span(text[position:start])
        Span(text[start:end]).classes(MATCH_CLASSES).props('data-mark="match"')
        position = end
    if position < len(text):
        Span(text[position:])


def snippet_row(snippet: Snippet) -> None:
    with ui.row().classes("w-full no-wrap items-start gap-2 text-sm").props('data-testid="snippet"'):
        ui.label(f"{snippet.speaker} {format_clock(snippet.start)}").classes(
            "text-xs text-gray-500 w-24 shrink-0"
        )
        with ui.column().classes("gap-0 grow"):
            with ui.element("div"):
                highlighted_text(snippet.text, snippet.spans)
            if snippet.translation:
                with ui.element("div").classes("italic text-gray-600"):
                    highlighted_text(snippet.translation, snippet.translation_spans)


RESULT_COLUMNS = (
    "Call", "Started", "Agent", "Campaign / in-group", "Language",
    "Duration", "Sentiment", "Alerts", "Matches",
)  # fmt: skip
RESULT_GRID = (
    "display: grid; align-items: center; column-gap: 1rem; width: 100%;"
    " grid-template-columns: minmax(14rem, 3fr) 8.5rem minmax(6rem, 1.5fr) minmax(8rem, 1.5fr)"
    " 5rem 4.5rem 5rem 3.5rem 5.5rem"
)
"""The header and every result row share these columns, so labels sit over values;
the call id column wraps (never truncates): it is what a reviewer copies."""


def result_header() -> None:
    with (
        ui.element("div")
        .style(RESULT_GRID)
        .classes("px-4 text-xs font-semibold uppercase text-gray-500")
        .props('role="row" data-testid="result-header"')
    ):
        for name in RESULT_COLUMNS:
            ui.label(name).props('role="columnheader"')


def result_card(hit: Any) -> None:
    with ui.card().classes("w-full gap-1 py-2").props('data-testid="search-hit"') as card:
        card._props["data-call-id"] = hit.call_id  # set directly: a call id is wire input
        with ui.element("div").style(RESULT_GRID).classes("text-sm").props('role="row"'):
            ui.link(hit.call_id, review_path(hit.call_id)).classes("font-mono font-semibold break-all")
            ui.label(time.strftime("%Y-%m-%d %H:%M", time.localtime(hit.started_at)))
            ui.label(hit.agent_name or hit.agent or "no agent")
            ui.label(" / ".join(x for x in (hit.campaign, hit.in_group) if x) or "–")
            ui.label(hit.language or "–")
            ui.label(format_clock(hit.duration))
            ui.label(format_score(hit.avg_sentiment)).classes(
                f"px-1 rounded font-mono w-fit {sentiment_classes(hit.avg_sentiment)}"
            )
            ui.label(str(hit.alert_count))
            ui.label(_lines(hit.matching_segments)).classes("text-gray-500")
        for snippet in hit.snippets:
            snippet_row(snippet)


def _lines(count: int | None) -> str:
    return "–" if not count else f"{count} line" if count == 1 else f"{count} lines"


def range_label(page: SearchPage) -> str:
    if not page.hits:
        return "No calls match."
    first, last = page.query.offset + 1, page.query.offset + len(page.hits)
    total = f"{page.total:,}" if page.total is not None else "many"
    return f"Calls {first}–{last} of {total}"


def search_url(form: SearchForm, offset: int = 0) -> str:
    """The address of this search: bookmarkable, and each search is a history entry."""
    params = form_to_params(form, offset)
    return f"/qa?{urlencode(params)}" if params else "/qa"


def register(services: DashboardServices) -> None:
    @guarded_page("/qa", QA_PAGES, "Calls")
    async def qa_search_page(user: SessionUser, request: Request) -> None:
        # The URL is the search: the page reads it, and a search navigates to a new
        # one, so bookmarks, shared links, reload and the back button all just work.
        form, offset, url_problems = form_from_params(request.query_params)
        with frame(services, user, "Search calls"):
            with ui.row().classes("w-full items-center gap-2"):
                text = (
                    ui.input("Search what was said", placeholder='refund OR "money back"')
                    .bind_value(form, "text")
                    .props('clearable data-testid="search-text"')
                    .classes("grow")
                )
                ui.button("Search", on_click=lambda: go(0)).props('data-testid="search-button"').mark(
                    "search-button"
                )
                ui.link("Agent statistics", "/qa/agents").classes("text-sm")
            _filters(form, opened=form_to_params(form).keys() - {"q"} != set(), on_enter=lambda: go(0))
            errors = (
                ui.column()
                .classes("w-full gap-0 p-2 rounded bg-red-50 text-red-800")
                .props('role="alert" data-testid="search-errors"')
            )
            notices = ui.column().classes("w-full gap-0").props('data-testid="search-notices"')
            with ui.row().classes("w-full items-center gap-2"):
                summary = ui.label().props('data-testid="search-summary"')
                ui.space()
                previous = ui.button("Previous page", on_click=lambda: go(offset - form.page_size)).props(
                    "flat dense"
                )
                following = ui.button("Next page", on_click=lambda: go(offset + form.page_size)).props(
                    "flat dense"
                )
                exports = [
                    ui.button("Export CSV", on_click=lambda: export("csv")).props(
                        'outline dense data-testid="export-csv"'
                    ),
                    ui.button("Export JSON", on_click=lambda: export("json")).props(
                        'outline dense data-testid="export-json"'
                    ),
                ]
            results = ui.column().classes("w-full gap-2").props('data-testid="search-results"')

        def show_lines(box: ui.column, lines: list[str] | tuple[str, ...], classes: str) -> None:
            box.clear()
            box.set_visibility(bool(lines))
            with box:
                for line in lines:
                    ui.label(line).classes(classes)

        def refuse(problems: list[str]) -> None:
            """A search that cannot run shows why and nothing else: stale or unfiltered
            results under an error would be mistaken for the answer."""
            show_lines(errors, problems, "text-sm")
            show_lines(notices, (), "")
            summary.text = "No results: correct the search above."
            previous.enabled = following.enabled = False
            for button in exports:
                button.enabled = False
            results.clear()

        async def fetch(query: SearchQuery) -> SearchPage | None:
            try:
                return await search_calls((services.database or services.db_path), query)
            except Exception as error:  # a search must never take the page down; say what happened
                log.exception("QA search failed for %r", query)
                refuse([f"The search failed: {error}"])
                return None

        def go(to_offset: int) -> None:
            ui.navigate.to(search_url(form, max(0, to_offset)))

        async def show() -> None:
            query, problems = build_query(form, offset=offset)
            if url_problems or query is None:
                refuse([*url_problems, *problems])
                return
            page = await fetch(query)
            if page is None:
                return
            show_lines(errors, (), "")
            show_lines(notices, page.notices, "text-sm text-amber-800")
            summary.text = range_label(page)
            previous.enabled = query.offset > 0
            following.enabled = page.has_more
            results.clear()
            with results:
                if page.hits:
                    result_header()
                for hit in page.hits:
                    result_card(hit)

        async def export(fmt: str) -> None:
            query, problems = build_query(form, offset=0, limit=MAX_LIMIT)
            if query is None:
                refuse(problems)
                return
            page = await fetch(query)
            if page is None:
                return
            content = search_results_csv(page) if fmt == "csv" else search_results_json(page)
            ui.download(
                content.encode("utf-8"),
                f"callmon-search.{fmt}",
                "text/csv" if fmt == "csv" else "application/json",
            )
            if page.has_more:
                ui.notify(f"Exported the first {MAX_LIMIT} calls; narrow the search for the rest.")

        text.on("keydown.enter", lambda: go(0))
        await show()


def _filters(form: SearchForm, opened: bool, on_enter: Callable[[], None]) -> None:
    with (
        ui.expansion("Filters", icon="filter_list", value=opened)
        .classes("w-full")
        .props('data-testid="filters"') as filters
    ):
        with ui.row().classes("w-full items-end gap-3"):
            ui.input("From date", placeholder="YYYY-MM-DD").bind_value(form, "date_from").props(
                'dense data-testid="date-from"'
            ).classes("w-36")
            ui.input("To date", placeholder="YYYY-MM-DD").bind_value(form, "date_to").props(
                'dense data-testid="date-to"'
            ).classes("w-36")
            ui.input("Agent").bind_value(form, "agent").props("dense").classes("w-32")
            ui.input("Campaign / in-group").bind_value(form, "campaign").props("dense").classes("w-40")
            ui.input("Language").bind_value(form, "language").props("dense").classes("w-24")
            ui.input("Keyword").bind_value(form, "keyword").props("dense").classes("w-32")
        with ui.row().classes("w-full items-end gap-3"):
            ui.number("Min sentiment", min=-1, max=1, step=0.1).bind_value(form, "min_sentiment").props(
                "dense"
            ).classes("w-32")
            ui.number("Max sentiment", min=-1, max=1, step=0.1).bind_value(form, "max_sentiment").props(
                "dense"
            ).classes("w-32")
            ui.select({"call": "call average", "segment": "any line"}, label="Sentiment of").bind_value(
                form, "sentiment_scope"
            ).props("dense").classes("w-36")
            ui.select({ANY: "any", "yes": "yes", "no": "no"}, label="Has alerts").bind_value(
                form, "has_alerts"
            ).props("dense").classes("w-28")
            ui.select([ANY, *ALERT_LEVELS], label="Alert level (at least)").bind_value(
                form, "alert_level"
            ).props("dense").classes("w-44")
            ui.number("Min duration (s)", min=0).bind_value(form, "min_duration").props("dense").classes(
                "w-32"
            )
            ui.number("Max duration (s)", min=0).bind_value(form, "max_duration").props("dense").classes(
                "w-32"
            )
        with ui.row().classes("w-full items-end gap-3"):
            ui.select(list(SORT_KEYS), label="Sort by").bind_value(form, "sort").props(
                'dense data-testid="sort"'
            ).classes("w-32")
            ui.checkbox("Newest / highest first").bind_value(form, "descending")
            ui.select({n: f"{n} per page" for n in PAGE_SIZES}, label="Per page").bind_value(
                form, "page_size"
            ).props("dense").classes("w-24")
            ui.button("Clear filters", on_click=lambda: _clear(form)).props("flat dense")
    for field in filters.descendants():  # Enter in any filter searches, as in the text box
        if isinstance(field, ui.input | ui.number):
            field.on("keydown.enter", on_enter)


def _clear(form: SearchForm) -> None:
    for field in dataclasses.fields(SearchForm):
        if field.name not in ("text", "sort", "descending", "page_size"):
            setattr(form, field.name, field.default)
