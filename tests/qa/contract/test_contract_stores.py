"""Scorecards, retention, agent statistics and exports keep one contract on
SQLite and PostgreSQL: the same calls in, the same answers out."""

from __future__ import annotations

import json

import pytest

from alerts.store import AlertStore
from ingest.storage import CallStore
from ingest.storage.database import as_target, open_database_target
from qa import DEFAULT_CRITERIA, Criterion, ScorecardStore, SearchQuery, score_call, search_calls
from qa.exports import export_call, load_call_record, search_results_csv
from qa.retention import count_purge, cutoff_for, parse_age, purge_calls
from qa.stats import agent_statistics

CRITERIA = (Criterion("greet", "Greeted", "yes_no", 1.0), Criterion("fix", "Resolved", "scale", 3.0))
TABLES = ("calls", "segments", "call_events", "alerts", "alert_deliveries", "qa_scorecards")


async def row_counts(url: str) -> dict[str, int]:
    database = await open_database_target(url)
    try:
        counts = {}
        for table in TABLES:
            row = await database.fetch_one(f"SELECT count(*) AS n FROM {table}")
            counts[table] = int(row["n"]) if row else 0
        return counts
    finally:
        await database.close()


async def test_scorecards_are_history_newest_first(empty_store: str) -> None:
    store = await ScorecardStore.open(empty_store)
    try:
        first = await store.save(score_call(
            "c1", "alice", CRITERIA, {"greet": True, "fix": 3}, notes="ok – naïve",
            tags=("coaching", " coaching", ""), reviewed_at=100.0,
        ))  # fmt: skip
        second = await store.save(
            score_call("c1", "bob", CRITERIA, {"greet": True, "fix": 5}, reviewed_at=200.0)
        )
        same_time = await store.save(score_call("c1", "carol", CRITERIA, {"fix": 1}, reviewed_at=200.0))
        assert first.id is not None and second.id is not None and same_time.id is not None
        assert first.id < second.id < same_time.id and first.tags == ("coaching",)
        cards = await store.list_for_call("c1")
        assert [c.reviewer for c in cards] == ["carol", "bob", "alice"]
        assert cards[2] == first and cards[2].criteria == CRITERIA and cards[2].total == first.total
        assert await store.latest("c1") == same_time and await store.latest("other") is None
    finally:
        await store.close()


async def test_scorecards_reopen_without_migrating_again(empty_store: str) -> None:
    for reviewer in ("alice", "bob"):
        store = await ScorecardStore.open(empty_store)
        try:
            await store.save(score_call("c9", reviewer, DEFAULT_CRITERIA, {"greeting": True}))
        finally:
            await store.close()
    store = await ScorecardStore.open(empty_store)
    try:
        assert [c.reviewer for c in await store.list_for_call("c9")] == ["bob", "alice"]
    finally:
        await store.close()


async def test_purge_deletes_old_calls_with_everything_attached(fresh_store: str) -> None:
    before = await row_counts(fresh_store)
    cutoff = cutoff_for(parse_age("90d"))
    expected = {
        "alert_deliveries": 1,
        "alerts": 1,
        "qa_scorecards": 1,
        "call_events": 0,
        "segments": 3,
        "calls": 2,
    }
    planned = await count_purge(fresh_store, cutoff)
    assert planned.rows == expected and planned.calls == 2
    assert await row_counts(fresh_store) == before  # counting deletes nothing
    done = await purge_calls(fresh_store, cutoff)
    assert done.rows == expected
    after = await row_counts(fresh_store)
    assert {t: before[t] - after[t] for t in TABLES} == expected
    # The search index holds nothing of the purged calls (words only they had) ...
    assert (await search_calls(fresh_store, SearchQuery(text="zanzibar OR annuler"))).hits == ()
    # ... and everything else is still found.
    page = await search_calls(fresh_store, SearchQuery(text="refund"))
    assert {h.call_id for h in page.hits} == {"c01", "c03", "c07", "c08"}
    assert (await count_purge(fresh_store, cutoff)).calls == 0


async def test_purge_counts_a_live_call_from_its_start(fresh_store: str) -> None:
    cutoff = cutoff_for(parse_age("12h"))  # c08 started 12 hours ago and is still active
    counts = await count_purge(fresh_store, cutoff + 3600)
    assert counts.calls == 8
    assert (await count_purge(fresh_store, cutoff - 3600)).calls == 7


async def test_purge_of_an_empty_database_changes_nothing(empty_store: str) -> None:
    for opener in (CallStore.open, AlertStore.open, ScorecardStore.open):
        await (await opener(empty_store)).close()
    assert (await purge_calls(empty_store, cutoff_for(parse_age("1d")))).calls == 0


async def test_agent_statistics(qa_store: str) -> None:
    stats = {s.agent: s for s in await agent_statistics(qa_store, days=30)}
    assert set(stats) == {"a1", "a2"}  # a3's calls are older than 30 days
    a1 = stats["a1"]  # c01, c02, c07
    assert (a1.calls, a1.segments, a1.alerts, a1.agent_name) == (3, 7, 3, "A1")
    assert a1.avg_sentiment == pytest.approx((-0.4 + 0.5 - 0.6 - 0.3 - 0.8 + 0.0 + 0.1) / 7)
    assert (a1.positive_segments, a1.negative_segments) == (2, 4)
    assert a1.avg_duration == pytest.approx((120 + 300 + 45) / 3)
    assert a1.scored_calls == 1 and a1.avg_qa_score == pytest.approx(100.0)
    a2 = stats["a2"]  # c03, c08 (active, no duration)
    assert (a2.calls, a2.alerts, a2.avg_duration, a2.avg_qa_score, a2.scored_calls) == (2, 0, 60, None, 0)
    everyone = await agent_statistics(qa_store, days=365)
    assert [s.agent for s in everyone] == ["a1", "a2", "a3"]  # busiest first, then by id
    assert all(isinstance(s.segments, int) and isinstance(s.avg_duration, float) for s in everyone)


async def test_exported_call_holds_segments_alerts_and_scorecards(qa_store: str) -> None:
    record = await load_call_record(qa_store, "c02")
    assert record is not None
    data = json.loads(export_call(record, "json"))
    assert data["call_id"] == "c02" and data["agent"] == "a1"
    assert [s["text"] for s in data["segments"]][:2] == [
        "I want to cancel my account",
        "Can I speak to your supervisor?",
    ]
    assert [a["level"] for a in data["alerts"]] == ["urgent", "critical"]
    assert data["scorecards"][0]["reviewer"] == "qa-lead" and data["scorecards"][0]["tags"] == ["coaching"]
    text = export_call(record, "txt")
    assert "[00:03] Caller: Can I speak to your supervisor?" in text and "critical alert" in text
    spanish = await load_call_record(qa_store, "c03")
    assert spanish is not None
    assert "Caller: quiero un reembolso\ni want a refund" in export_call(spanish, "srt")
    assert await load_call_record(qa_store, "nope") is None


async def test_export_from_an_open_database_leaves_it_open(qa_store: str) -> None:
    database = await open_database_target(qa_store)
    try:
        for _ in range(2):
            record = await load_call_record(database, "c07")
            assert record is not None and record.segments[0].text == "café au lait ñandú 東京 naïve"
    finally:
        await database.close()


async def test_search_results_export_the_same_rows(qa_store: str) -> None:
    page = await search_calls(qa_store, SearchQuery(text="refund", sort="duration"))
    csv_text = search_results_csv(page)
    assert "Caller: [refund] please, [refund] now" in csv_text
    assert [h.call_id for h in page.hits] == ["c01", "c06", "c03", "c07", "c08"]  # c08 live: no duration


async def test_a_database_target_works_wherever_a_path_does(qa_store: str) -> None:
    target = as_target(qa_store)  # what the dashboard's services hold for CALLMON_DATABASE_URL
    assert {h.call_id for h in (await search_calls(target, SearchQuery(text="zanzibar"))).hits} == {"c06"}
    assert {s.agent for s in await agent_statistics(target, days=365)} == {"a1", "a2", "a3"}
    record = await load_call_record(target, "c06")
    assert record is not None and len(record.segments) == 2
    assert (await count_purge(target, cutoff_for(parse_age("90d")))).calls == 2
