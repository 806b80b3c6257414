"""search_calls keeps one contract on SQLite (FTS5) and PostgreSQL (tsvector):
every word, "phrases", OR, filters, sort orders, paging, snippets, hostile input."""

from __future__ import annotations

import time

import pytest

import qa.search_postgres as postgres_plans
from ingest.events import CallStarted
from ingest.storage import CallStore
from ingest.storage.database import open_database_target
from qa import SearchQuery, search_calls
from tests.qa.conftest import DAY

EVERY_CALL = {"c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08"}


async def ids(db: str, **fields) -> set[str]:
    page = await search_calls(db, SearchQuery(**fields))
    return {hit.call_id for hit in page.hits}


async def test_every_word_must_match_in_text_or_translation(qa_store: str) -> None:
    page = await search_calls(qa_store, SearchQuery(text="refund"))
    assert {h.call_id for h in page.hits} == {"c01", "c03", "c06", "c07", "c08"}
    assert page.total == 5 and not page.has_more and page.plan == "text-first"
    assert next(h for h in page.hits if h.call_id == "c06").matching_segments == 1
    assert await ids(qa_store, text="refund bill") == {"c01"}
    assert await ids(qa_store, text="REFUND Bill") == {"c01"}
    assert await ids(qa_store, text="refund zanzibar") == set()  # words must share one utterance
    c03 = next(h for h in page.hits if h.call_id == "c03")
    (snippet,) = c03.snippets
    assert snippet.text == "quiero un reembolso" and snippet.spans == ()
    assert snippet.translation == "i want a refund"
    assert [snippet.translation[a:b] for a, b in snippet.translation_spans] == ["refund"]


async def test_snippets_mark_the_matched_words_in_the_whole_utterance(qa_store: str) -> None:
    (hit,) = (await search_calls(qa_store, SearchQuery(text="refund", agent="a3"))).hits
    (snippet,) = hit.snippets
    assert snippet.text == "refund please, refund now"
    assert snippet.marked() == "[refund] please, [refund] now"
    (hit,) = (await search_calls(qa_store, SearchQuery(text='"want a refund"', agent="a1"))).hits
    assert [s.marked() for s in hit.snippets] == ["I [want a refund] for my bill"]
    (hit,) = (await search_calls(qa_store, SearchQuery(text="refund", agent="a1", campaign="billing",
                                                       date_to=time.time() - 2.5 * DAY))).hits  # fmt: skip
    assert hit.call_id == "c07"
    assert [s.marked() for s in hit.snippets] == ['she said "[refund]" -- <b>not</b> & more']
    none = await search_calls(qa_store, SearchQuery(text="refund", snippets_per_call=0))
    assert all(h.snippets == () for h in none.hits)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("refund OR zanzibar", {"c01", "c03", "c06", "c07", "c08"}),
        ("zanzibar OR cancel", {"c02", "c05", "c06"}),
        ("refund bill OR zanzibar", {"c01", "c06"}),  # AND binds tighter than OR
        ('"want a refund" OR router', {"c01", "c03", "c04"}),
        ('"a refund"', {"c01", "c03", "c08"}),
        ('"refund a"', set()),  # a phrase keeps its order
        ("refund or zanzibar", set()),  # lower-case "or" is a word
        ('"refund OR zanzibar"', set()),  # quoted: a phrase, not an operator
        ("OR refund OR", {"c01", "c03", "c06", "c07", "c08"}),
        ("OR OR", EVERY_CALL),
        ('refund OR ")" OR (', {"c01", "c03", "c06", "c07", "c08"}),
        ('"refund" not', {"c07"}),
        ("refund NOT zanzibar", set()),
        ("zanzibar NOT", {"c06"}),
        ("東京", {"c07"}),
        ("café", {"c07"}),
        ("ÑANDÚ", {"c07"}),
    ],
)
async def test_phrases_or_and_operators(qa_store: str, text: str, expected: set[str]) -> None:
    assert await ids(qa_store, text=text) == expected


async def test_or_snippets_mark_both_alternatives(qa_store: str) -> None:
    (hit,) = (await search_calls(qa_store, SearchQuery(text="refund OR zanzibar", agent="a3"))).hits
    assert {s.marked() for s in hit.snippets} == {
        "[refund] please, [refund] now",
        "[zanzibar] is our new plan",
    }


@pytest.mark.parametrize("text", ["CAFE", "naive", "ñandu", "café", "naïve"])
async def test_accents_are_ignored(qa_store: str, text: str) -> None:
    # FTS5's unicode61 folds them; on PostgreSQL the unaccent configuration does.
    assert await ids(qa_store, text=text) == {"c07"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"agent": "a1"}, {"c01", "c02", "c07"}),
        ({"agent": "A1"}, {"c01", "c02", "c07"}),
        ({"campaign": "BILLING"}, {"c01", "c03", "c06", "c07", "c08"}),  # c03 by its in-group
        ({"language": "fr"}, {"c05"}),
        ({"has_alerts": True}, {"c01", "c02", "c05"}),
        ({"has_alerts": False}, {"c03", "c04", "c06", "c07", "c08"}),
        ({"alert_level": "urgent"}, {"c02"}),
        ({"alert_level": "warning"}, {"c01", "c02", "c05"}),
        ({"keyword": "Cancel"}, {"c02", "c05"}),
        ({"min_duration": 100, "max_duration": 300}, {"c01", "c02", "c05"}),
        ({"max_sentiment": -0.3}, {"c02", "c05"}),
        ({"min_sentiment": 0.08}, {"c03", "c06"}),
        ({"max_sentiment": -0.7, "sentiment_scope": "segment"}, {"c02"}),
        ({"text": "cancel", "max_sentiment": -0.55, "sentiment_scope": "segment"}, {"c02"}),
        ({"text": "refund", "campaign": "billing", "has_alerts": True}, {"c01"}),
        ({"text": "refund", "agent": "A3"}, {"c06"}),
        ({"text": "refund", "language": "es"}, {"c03"}),
    ],
)
async def test_filters(qa_store: str, fields: dict, expected: set[str]) -> None:
    assert await ids(qa_store, **fields) == expected


async def test_date_range_is_inclusive_exclusive_and_totals_count(qa_store: str) -> None:
    now = time.time()
    assert await ids(qa_store, date_from=now - 5 * DAY) == {"c01", "c03", "c07", "c08"}
    assert await ids(qa_store, date_from=now - 50 * DAY, date_to=now - 5 * DAY) == {"c02", "c04"}
    page = await search_calls(qa_store, SearchQuery(limit=3))
    assert (len(page.hits), page.total, page.has_more, page.plan) == (3, 8, True, "filters")


@pytest.mark.parametrize(
    ("sort", "descending", "key"),
    [
        ("date", True, lambda h: -h.started_at),
        ("date", False, lambda h: h.started_at),
        ("duration", True, lambda h: -h.duration),
        ("duration", False, lambda h: h.duration),
        ("sentiment", True, lambda h: -h.avg_sentiment),
        ("sentiment", False, lambda h: h.avg_sentiment),
        ("alerts", True, lambda h: -h.alert_count),
    ],
)
async def test_sort_orders(bulk_store: str, sort: str, descending: bool, key) -> None:
    for text in ("", "invoice"):
        page = await search_calls(
            bulk_store, SearchQuery(text=text, sort=sort, descending=descending, limit=50)
        )  # type: ignore[arg-type]
        assert len(page.hits) == 30
        keys = [key(h) for h in page.hits]
        assert keys == sorted(keys)


async def test_a_missing_duration_sorts_as_the_smallest(qa_store: str) -> None:
    shortest = await search_calls(qa_store, SearchQuery(sort="duration", descending=False, limit=1))
    longest = await search_calls(qa_store, SearchQuery(sort="duration", limit=50))
    assert shortest.hits[0].call_id == "c08" == longest.hits[-1].call_id  # c08 is still active


@pytest.mark.parametrize("plan", [None, "text-first", "calls-first"])
@pytest.mark.parametrize("sort", ["date", "duration", "sentiment", "alerts"])
async def test_pages_cover_every_call_once(bulk_store: str, plan: str | None, sort: str) -> None:
    everything = await search_calls(bulk_store, SearchQuery(text="invoice", sort=sort, limit=50), plan=plan)  # type: ignore[arg-type]
    paged: list[str] = []
    for offset in range(0, 35, 7):
        page = await search_calls(
            bulk_store, SearchQuery(text="invoice", sort=sort, limit=7, offset=offset), plan=plan
        )  # type: ignore[arg-type]
        paged += [h.call_id for h in page.hits]
        assert page.has_more == (offset + 7 < 30)
    assert paged == [h.call_id for h in everything.hits] and len(set(paged)) == 30


async def test_plans_agree_with_filters(bulk_store: str) -> None:
    query = SearchQuery(text="invoice", agent="a1", has_alerts=True, max_sentiment=0.2, limit=100)
    text_first = await search_calls(bulk_store, query, plan="text-first")
    calls_first = await search_calls(bulk_store, query, plan="calls-first")
    assert [h.call_id for h in text_first.hits] == [h.call_id for h in calls_first.hits]
    assert text_first.total == len(text_first.hits) > 0 and calls_first.total is None


@pytest.mark.parametrize("plan", [None, "text-first", "calls-first"])
async def test_filters_follow_call_details_changed_after_the_segments(
    fresh_store: str, plan: str | None
) -> None:
    # c06 (agent a3, billing, English, 95 days ago, no alert) said "zanzibar"; it is
    # changed after its segments were stored (PostgreSQL keeps a copy of these on
    # every segment).
    now = time.time()
    store = await CallStore.open(fresh_store)
    try:
        await store.update_call("c06", agent="Zed", campaign="Winback", in_group="VIP", language="de")
        await store.count_alert("c06")
        await store.start_call(CallStarted("c06", "simulated", now - 200 * DAY))  # it began earlier
    finally:
        await store.close()
    for fields, expected in [
        ({"agent": "zed"}, {"c06"}),
        ({"agent": "a3"}, set()),
        ({"campaign": "WINBACK"}, {"c06"}),
        ({"campaign": "vip"}, {"c06"}),  # the campaign filter also matches the in-group
        ({"campaign": "billing"}, set()),
        ({"language": "de"}, {"c06"}),
        ({"language": "en"}, set()),
        ({"has_alerts": True}, {"c06"}),
        ({"has_alerts": False}, set()),
        ({"date_from": now - 201 * DAY, "date_to": now - 199 * DAY}, {"c06"}),
        ({"date_from": now - 96 * DAY, "date_to": now - 94 * DAY}, set()),
        ({"date_from": now - 201 * DAY}, {"c06"}),
        ({"agent": "Zed", "campaign": "vip", "language": "de", "has_alerts": True}, {"c06"}),
    ]:
        page = await search_calls(fresh_store, SearchQuery(text="zanzibar", **fields), plan=plan)  # type: ignore[arg-type]
        assert {h.call_id for h in page.hits} == expected, fields


@pytest.mark.parametrize("plan", [None, "text-first", "calls-first"])
async def test_short_date_ranges_keep_calls_at_the_edges_of_a_day(fresh_store: str, plan: str | None) -> None:
    # A range matched by whole UTC days on PostgreSQL must still be exact to the second.
    store = await CallStore.open(fresh_store)
    try:
        row = await store.database.fetch_one("SELECT started_at FROM calls WHERE id = 'c06'")
    finally:
        await store.close()
    assert row is not None
    started = row["started_at"]
    for date_from, date_to, expected in [
        (started, started + 1, {"c06"}),  # inclusive start
        (started - 1, started, set()),  # exclusive end
        (started + 0.001, started + DAY, set()),
        (started - 3 * DAY, started + 3 * DAY, {"c06"}),
    ]:
        query = SearchQuery(text="zanzibar", date_from=date_from, date_to=date_to)
        page = await search_calls(fresh_store, query, plan=plan)  # type: ignore[arg-type]
        assert {h.call_id for h in page.hits} == expected, (date_from - started, date_to - started)


@pytest.mark.parametrize("cap", [0, 10_000])
async def test_common_words_with_call_key_filters_find_what_text_first_finds(
    fresh_store: str, monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    # On PostgreSQL: every word counts as common and every key filter as
    # selective, so the keyed text-first is tried; `cap` 0 makes it give way to
    # the walks. SQLite answers the same questions its own way.
    monkeypatch.setattr(postgres_plans, "TEXT_FIRST_MAX_SEGMENTS", 0)
    monkeypatch.setattr(postgres_plans, "KEYED_TEXT_FIRST_EXPECTED", 1e9)
    monkeypatch.setattr(postgres_plans, "KEYED_TEXT_FIRST_MAX_SEGMENTS", cap)
    database = await open_database_target(fresh_store)
    try:
        if database.dialect == "postgresql":
            await database.execute("ANALYZE")  # the plan choice reads the keys' statistics
        now = time.time()
        for fields in [
            {"agent": "A1"},
            {"campaign": "billing", "has_alerts": True},
            {"language": "es"},
            {"date_from": now - 5 * DAY},
            {"agent": "a1", "sort": "relevance"},
            {"alert_level": "warning", "offset": 1},
        ]:
            query = SearchQuery(text="refund OR cancel", **fields)  # type: ignore[arg-type]
            exact = await search_calls(database, query, plan="text-first")
            page = await search_calls(database, query)
            assert [h.call_id for h in page.hits] == [h.call_id for h in exact.hits], fields
            if database.dialect == "postgresql" and cap:
                assert page.plan == "text-first" and page.total == exact.total, fields
    finally:
        await database.close()


async def test_page_past_the_end_still_counts(bulk_store: str) -> None:
    page = await search_calls(bulk_store, SearchQuery(text="invoice", offset=100))
    assert page.hits == () and page.total == 30 and not page.has_more


async def test_relevance_puts_the_denser_match_first(qa_store: str) -> None:
    page = await search_calls(qa_store, SearchQuery(text="refund", sort="relevance"))
    assert page.hits[0].call_id == "c06"  # "refund" twice in a short segment
    assert all(h.relevance is not None for h in page.hits)
    worst_first = await search_calls(qa_store, SearchQuery(text="refund", sort="relevance", descending=False))
    assert worst_first.hits[-1].call_id == "c06"
    no_text = await search_calls(qa_store, SearchQuery(sort="relevance"))
    assert any("relevance needs search words" in n for n in no_text.notices)


@pytest.mark.parametrize(
    "text",
    [
        '"', '""', '"refund', "-refund", "*", "refund*", "NEAR(refund cancel)", "(", "((refund)",
        "AND", "NOT", "^refund", "text:refund", "{text}: refund", "'", "'; DROP TABLE calls; --",
        "\\", "\x00", "\ue000refund\ue001", "🙂", "a" * 5000, " ".join(["refund"] * 40), "refund|cancel",
        "refund & cancel", "!refund", "refund <-> cancel", "refund:*", "'refund':A", "___", "a_b",
        "12.5 4th e-mail a@b.com http://x.y/z", "refund:* | !cancel & (", "$$", "%s %(x)s", ":name ?",
    ],
)  # fmt: skip
async def test_hostile_input_never_errors(qa_store: str, text: str) -> None:
    page = await search_calls(qa_store, SearchQuery(text=text))
    assert isinstance(page.hits, tuple)
    if page.match_expression is None and text.strip():
        assert page.notices  # a person is told why their text was not searched
    assert await ids(qa_store, text="refund") == {"c01", "c03", "c06", "c07", "c08"}  # and nothing was harmed


@pytest.mark.parametrize("field", ["agent", "campaign", "language", "keyword"])
async def test_hostile_filter_values_match_nothing_and_never_error(qa_store: str, field: str) -> None:
    for value in ("a1\x00", "'; DROP TABLE calls; --", "%s", ":agent", "\\", "🙂"):
        assert await ids(qa_store, **{field: value}) == set()
        assert await ids(qa_store, text="refund", **{field: value}) == set()


async def test_an_open_database_is_used_and_left_open(qa_store: str) -> None:
    database = await open_database_target(qa_store)
    try:
        for _ in range(2):
            page = await search_calls(database, SearchQuery(text="zanzibar"))
            assert [h.call_id for h in page.hits] == ["c06"]
    finally:
        await database.close()
