"""search_calls on a real SQLite file: filters, sorting, paging, plans, snippets, awkward input."""

from __future__ import annotations

import time
from pathlib import Path

import aiosqlite
import pytest

from qa import SearchQuery, search_calls
from tests.qa.conftest import DAY


async def ids(db: Path, **fields) -> list[str]:
    page = await search_calls(db, SearchQuery(**fields))
    return [hit.call_id for hit in page.hits]


async def test_text_matches_transcript_and_translation_one_result_per_call(qa_db: Path) -> None:
    page = await search_calls(qa_db, SearchQuery(text="refund"))
    assert {h.call_id for h in page.hits} == {"c01", "c03", "c06", "c07", "c08"}
    assert page.total == 5 and not page.has_more
    c06 = next(h for h in page.hits if h.call_id == "c06")
    assert c06.matching_segments == 1
    c03 = next(h for h in page.hits if h.call_id == "c03")
    (snippet,) = c03.snippets
    assert snippet.text == "quiero un reembolso" and snippet.spans == ()
    assert snippet.translation == "i want a refund"
    assert snippet.translation[slice(*snippet.translation_spans[0])] == "refund"


async def test_snippet_spans_point_at_the_matched_words(qa_db: Path) -> None:
    page = await search_calls(qa_db, SearchQuery(text="refund", agent="a3"))
    (hit,) = page.hits
    (snippet,) = hit.snippets
    assert snippet.text == "refund please, refund now"
    assert [snippet.text[a:b] for a, b in snippet.spans] == ["refund", "refund"]
    assert snippet.marked() == "[refund] please, [refund] now"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"agent": "a1"}, {"c01", "c02", "c07"}),
        ({"campaign": "billing"}, {"c01", "c03", "c06", "c07", "c08"}),  # c03 by its in-group
        ({"language": "fr"}, {"c05"}),
        ({"has_alerts": True}, {"c01", "c02", "c05"}),
        ({"has_alerts": False}, {"c03", "c04", "c06", "c07", "c08"}),
        ({"alert_level": "urgent"}, {"c02"}),
        ({"alert_level": "warning"}, {"c01", "c02", "c05"}),
        ({"keyword": "cancel"}, {"c02", "c05"}),
        ({"min_duration": 100, "max_duration": 300}, {"c01", "c02", "c05"}),
        ({"max_sentiment": -0.3}, {"c02", "c05"}),
        ({"min_sentiment": 0.08}, {"c03", "c06"}),
        ({"max_sentiment": -0.7, "sentiment_scope": "segment"}, {"c02"}),
        ({"text": "cancel", "max_sentiment": -0.55, "sentiment_scope": "segment"}, {"c02"}),
        ({"text": "refund", "campaign": "billing", "has_alerts": True}, {"c01"}),
    ],
)
async def test_filters(qa_db: Path, fields: dict, expected: set[str]) -> None:
    assert set(await ids(qa_db, **fields)) == expected


async def test_date_range_is_inclusive_exclusive(qa_db: Path) -> None:
    now = time.time()
    assert set(await ids(qa_db, date_from=now - 5 * DAY)) == {"c01", "c03", "c07", "c08"}
    assert set(await ids(qa_db, date_from=now - 50 * DAY, date_to=now - 5 * DAY)) == {"c02", "c04"}


async def test_alert_level_without_an_alerts_table_matches_nothing(tmp_path: Path) -> None:
    from ingest.events import CallStarted
    from ingest.storage import CallStore

    store = await CallStore.open(tmp_path / "bare.db")
    await store.start_call(CallStarted("x", "simulated"))
    await store.close()
    assert await ids(tmp_path / "bare.db", alert_level="warning") == []
    assert await ids(tmp_path / "bare.db") == ["x"]


@pytest.mark.parametrize(
    ("sort", "descending", "key"),
    [
        ("date", True, lambda h: -h.started_at),
        ("date", False, lambda h: h.started_at),
        ("duration", True, lambda h: -(h.duration or 0)),
        ("sentiment", False, lambda h: h.avg_sentiment),
        ("alerts", True, lambda h: -h.alert_count),
    ],
)
async def test_sorting(bulk_db: Path, sort: str, descending: bool, key) -> None:
    page = await search_calls(bulk_db, SearchQuery(sort=sort, descending=descending, limit=50))  # type: ignore[arg-type]
    assert len(page.hits) == 30
    assert [key(h) for h in page.hits] == sorted(key(h) for h in page.hits)


@pytest.mark.parametrize("plan", [None, "text-first", "calls-first"])
@pytest.mark.parametrize("sort", ["date", "duration", "sentiment", "alerts"])
async def test_pages_cover_every_call_once_in_both_plans(bulk_db: Path, plan: str | None, sort: str) -> None:
    everything = await search_calls(bulk_db, SearchQuery(text="invoice", sort=sort, limit=50), plan=plan)  # type: ignore[arg-type]
    seen: list[str] = []
    for offset in range(0, 30, 7):
        page = await search_calls(
            bulk_db,
            SearchQuery(text="invoice", sort=sort, limit=7, offset=offset),  # type: ignore[arg-type]
            plan=plan,
        )
        assert page.has_more == (offset + 7 < 30)
        seen += [h.call_id for h in page.hits]
    assert seen == [h.call_id for h in everything.hits]
    assert len(set(seen)) == 30


async def test_plans_agree_with_filters(bulk_db: Path) -> None:
    query = SearchQuery(text="invoice", agent="a1", has_alerts=True, max_sentiment=0.2, limit=100)
    text_first = await search_calls(bulk_db, query, plan="text-first")
    calls_first = await search_calls(bulk_db, query, plan="calls-first")
    assert text_first.plan == "text-first" and calls_first.plan == "calls-first"
    assert [h.call_id for h in text_first.hits] == [h.call_id for h in calls_first.hits]
    assert text_first.total == len(text_first.hits) > 0
    assert calls_first.total is None


async def test_relevance_puts_the_denser_match_first(qa_db: Path) -> None:
    page = await search_calls(qa_db, SearchQuery(text="refund", sort="relevance"))
    assert page.hits[0].call_id == "c06"  # "refund" twice in a short segment
    assert all(h.relevance is not None for h in page.hits)


async def test_page_past_the_end_still_counts(bulk_db: Path) -> None:
    page = await search_calls(bulk_db, SearchQuery(text="invoice", offset=100))
    assert page.hits == () and page.total == 30 and not page.has_more


async def test_an_open_connection_works_too(qa_db: Path) -> None:
    async with aiosqlite.connect(qa_db) as conn:  # plain tuples as rows: search copes
        page = await search_calls(conn, SearchQuery(text="zanzibar"))
    assert [h.call_id for h in page.hits] == ["c06"]


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '""',
        '"refund',
        'refund"',
        "-refund",
        "refund -",
        "*",
        "refund*",
        "re*und",
        "NEAR",
        "NEAR(refund cancel)",
        "refund NEAR/2 cancel",
        "(",
        ")",
        "((refund)",
        "refund)",
        "AND",
        "OR refund",
        "NOT",
        "^refund",
        "refund:",
        "text:refund",
        "{text}: refund",
        "'",
        "'; DROP TABLE calls; --",
        "\\",
        "\x00",
        "\ue000refund\ue001",
        "🙂",
        "東京",
        "café",
        "CAFE",
        "ñandú",
        "naive",
        "   ",
        "",
        "a" * 5000,
        " ".join(["refund"] * 40),
        "+refund",
        "refund|cancel",
    ],
)
async def test_awkward_input_never_crashes(qa_db: Path, text: str) -> None:
    page = await search_calls(qa_db, SearchQuery(text=text))
    assert isinstance(page.hits, tuple)
    if page.match_expression is None and text.strip():
        assert page.notices  # a person is told why their text was not searched


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CAFE", {"c07"}),
        ("naive", {"c07"}),
        ("東京", {"c07"}),
        ("ñandu", {"c07"}),
        ('"refund -- not"', set()),
        ('"refund" not', {"c07"}),
        ("refund NOT zanzibar", set()),  # words must share one utterance
        ("zanzibar NOT", {"c06"}),
        ("<b>", {"c07"}),
    ],
)
async def test_awkward_input_gives_sensible_results(qa_db: Path, text: str, expected: set[str]) -> None:
    assert set(await ids(qa_db, text=text)) == expected


async def test_operators_are_explained(qa_db: Path) -> None:
    page = await search_calls(qa_db, SearchQuery(text="refund AND cancel"))
    assert page.match_expression == '"refund" "cancel"'
    assert any("operators" in n for n in page.notices)
    empty = await search_calls(qa_db, SearchQuery(text="((*))"))
    assert empty.match_expression is None and "no words" in empty.notices[0]
    assert empty.total == 8  # filters only


@pytest.mark.parametrize(
    "fields",
    [
        {"limit": 0},
        {"limit": 10_000},
        {"offset": -1},
        {"sort": "loudness"},
        {"min_sentiment": 2},
        {"min_sentiment": 0.5, "max_sentiment": -0.5},
        {"min_duration": 10, "max_duration": 5},
        {"alert_level": "panic"},
        {"sentiment_scope": "word"},
    ],
)
def test_impossible_queries_say_why(fields: dict) -> None:
    with pytest.raises(ValueError) as error:
        SearchQuery(**fields)
    assert str(error.value)


async def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no database"):
        await search_calls(tmp_path / "nope.db", SearchQuery(text="x"))


@pytest.mark.parametrize(
    ("text", "expression", "expected"),
    [
        ("refund OR zanzibar", '"refund" OR "zanzibar"', {"c01", "c03", "c06", "c07", "c08"}),
        ("zanzibar OR cancel", '"zanzibar" OR "cancel"', {"c02", "c05", "c06"}),
        # implicit AND binds tighter than OR, and the brackets say so
        ("refund bill OR zanzibar", '("refund" "bill") OR "zanzibar"', {"c01", "c06"}),
        ('"want a refund" OR router', '"want a refund" OR "router"', {"c01", "c03", "c04"}),
        ('"a refund"', '"a refund"', {"c01", "c03", "c08"}),
        ('"refund a"', '"refund a"', set()),  # a phrase keeps its order
        ("refund or zanzibar", '"refund" "or" "zanzibar"', set()),  # lower-case "or" is a word
        ('"refund OR zanzibar"', '"refund OR zanzibar"', set()),  # quoted: a phrase, not an operator
        ("OR refund OR", '"refund"', {"c01", "c03", "c06", "c07", "c08"}),
        ("OR OR", None, {"c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08"}),
        ('refund OR ")" OR (', '"refund"', {"c01", "c03", "c06", "c07", "c08"}),
    ],
)
async def test_or_and_quoted_phrases(
    qa_db: Path, text: str, expression: str | None, expected: set[str]
) -> None:
    page = await search_calls(qa_db, SearchQuery(text=text))
    assert page.match_expression == expression
    assert {h.call_id for h in page.hits} == expected


async def test_or_snippets_mark_both_alternatives(qa_db: Path) -> None:
    page = await search_calls(qa_db, SearchQuery(text="refund OR zanzibar", agent="a3"))
    (hit,) = page.hits
    marked = {s.marked() for s in hit.snippets}
    assert marked == {"[refund] please, [refund] now", "[zanzibar] is our new plan"}


async def test_agent_and_campaign_ignore_case(qa_db: Path) -> None:
    assert set(await ids(qa_db, agent="A1")) == {"c01", "c02", "c07"}
    assert set(await ids(qa_db, campaign="BILLING")) == {"c01", "c03", "c06", "c07", "c08"}
    assert set(await ids(qa_db, text="refund", agent="A3")) == {"c06"}


@pytest.mark.parametrize(
    ("fields", "index"),
    [
        ({"agent": "Dmitri"}, "calls_by_agent_nocase"),
        ({"campaign": "Billing", "sort": "alerts"}, "calls_by_campaign_nocase"),
    ],
)
async def test_case_insensitive_filters_use_their_index(qa_db: Path, fields: dict, index: str) -> None:
    from qa.filters import call_filter, order_by

    query = SearchQuery(**fields)
    where = call_filter(query, alerts_table=True)
    async with aiosqlite.connect(qa_db) as conn:
        cursor = await conn.execute(
            f"EXPLAIN QUERY PLAN SELECT c.id FROM calls c WHERE {where.sql()} ORDER BY {order_by(query)}",
            where.params,
        )
        plan = " | ".join(row[3] for row in await cursor.fetchall())
    assert index in plan, plan


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date_from": 1_800_000_000.0, "date_to": 1_700_000_000.0}, "is not before"),
        ({"date_from": 1_700_000_000.0, "date_to": 1_700_000_000.0}, "is not before"),
    ],
)
def test_reversed_dates_are_said_as_dates(fields: dict, message: str) -> None:
    with pytest.raises(ValueError) as error:
        SearchQuery(**fields)
    text = str(error.value)
    assert message in text and "1700000000" not in text and "1.7e" not in text
    assert time.strftime("%Y-%m-%d", time.localtime(fields["date_to"])) in text
