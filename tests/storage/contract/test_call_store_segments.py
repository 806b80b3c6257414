"""CallStore segments on both backends: aggregates kept in the same transaction,
word confidences, full-text search (FTS5 on SQLite, tsvector on PostgreSQL)."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections.abc import Callable

import psycopg
import pytest

from ingest.events import CallStarted, TranscriptSegment, WordConfidence
from ingest.storage import CallStore

Make = Callable[..., TranscriptSegment]


async def test_segment_round_trip(store: CallStore, make_segment: Make) -> None:
    await store.start_call(CallStarted("c1", "twilio"))
    original = make_segment(
        "c1",
        speaker="agent",
        start=3.25,
        end=5.5,
        text="quiero cancelar mi cuenta",
        translation="I want to cancel my account",
        language="es",
        engine="whisper",
        sentiment_score=-0.62,
        sentiment_label="negative",
        keywords=("cancel",),
        profanity=("damn",),
        rolling_sentiment=-0.31,
        consecutive_negative=2,
        created_at=1700000000.5,
    )
    stored = await store.add_segment(original)
    assert isinstance(stored.id, int)
    assert stored == dataclasses.replace(original, id=stored.id)
    listed = await store.list_segments("c1")
    assert listed == [stored]
    assert listed[0].keywords == ("cancel",) and listed[0].profanity == ("damn",)


async def test_segments_listed_by_start_time(store: CallStore, make_segment: Make) -> None:
    await store.start_call(CallStarted("c1", "twilio"))
    await store.add_segment(make_segment("c1", start=9.0, end=10.0, text="third"))
    await store.add_segment(make_segment("c1", start=1.0, end=2.0, text="first"))
    await store.add_segment(make_segment("c1", start=4.0, end=5.0, text="second"))
    await store.add_segment(make_segment("other", start=0.0, text="elsewhere"))
    assert [s.text for s in await store.list_segments("c1")] == ["first", "second", "third"]


async def test_aggregates_follow_every_segment(store: CallStore, make_segment: Make) -> None:
    await store.start_call(CallStarted("c1", "twilio"))
    scores = [
        (0.5, "positive", ("refund",)),
        (-0.8, "negative", ("cancel", "supervisor")),
        (0.0, "neutral", ()),
        (-0.2, "negative", ("refund", "legal")),
    ]
    for n, (score, label, keywords) in enumerate(scores):
        await store.add_segment(
            make_segment(
                "c1",
                start=float(n),
                sentiment_score=score,
                sentiment_label=label,
                keywords=keywords,
            )
        )
        call = await store.get_call("c1")
        assert call is not None
        seen = scores[: n + 1]
        assert call.segment_count == n + 1
        assert call.avg_sentiment == pytest.approx(sum(s for s, _, _ in seen) / (n + 1))
        assert call.min_sentiment == min(s for s, _, _ in seen)
        assert call.max_sentiment == max(s for s, _, _ in seen)
    assert (call.positive_count, call.negative_count, call.neutral_count) == (1, 2, 1)
    assert call.keywords == ("refund", "cancel", "supervisor", "legal")
    assert call.language == "en"


async def test_a_failed_segment_changes_nothing(store: CallStore, make_segment: Make) -> None:
    await store.start_call(CallStarted("c1", "twilio"))
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.IntegrityError)):
        await store.add_segment(make_segment("c1", text=None))  # type: ignore[arg-type]
    call = await store.get_call("c1")
    assert call is not None and call.segment_count == 0 and call.avg_sentiment is None
    assert await store.list_segments("c1") == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"unbalanced quote',
        "cancel -account",
        "-",
        "*",
        "canc*",
        "NEAR(cancel account)",
        "cancel NEAR account",
        "(cancel OR account",
        "cancel AND",
        "NOT",
        "^cancel",
        "text:cancel",
        "{text translation}: cancel",
        "'; DROP TABLE segments; --",
        "",
        "   ",
        "\u0000",
        "🙂 cancel",
    ],
)
async def test_awkward_queries_never_raise(store: CallStore, make_segment: Make, query: str) -> None:
    await store.start_call(CallStarted("c1", "twilio"))
    stored = await store.add_segment(make_segment("c1", text="I want to cancel my account"))
    hits = await store.search_segments(query)
    assert all(hit == stored for hit in hits)
    assert await store.list_segments("c1") == [stored]


async def test_awkward_queries_still_match_their_words(store: CallStore, make_segment: Make) -> None:
    await store.start_call(CallStarted("c1", "twilio"))
    stored = await store.add_segment(make_segment("c1", text="Cancel my account, NOT the order (please)"))
    for query in ["cancel -account", "(account)", "NOT", '"cancel my', "account*", "please)"]:
        assert await store.search_segments(query) == [stored], query


async def test_set_translation_of_missing_segment(store: CallStore) -> None:
    with pytest.raises(KeyError):
        await store.set_translation(12345, "nothing")


async def test_words_spots_and_reason_round_trip(store: CallStore, make_segment: Make) -> None:
    await store.start_call(CallStarted("c1", "audiosocket"))
    original = make_segment(
        "c1",
        text="call my modern",
        words=(WordConfidence("call", 0.61, 0.1, 0.4), WordConfidence("my", 0.9, 0.4, 0.5)),
        spotted=(WordConfidence("attorney", 0.8, 0.5, 1.1),),
    )
    stored = await store.add_segment(original)
    [listed] = await store.list_segments("c1")
    assert listed == stored
    assert listed.words[0] == WordConfidence("call", 0.61, 0.1, 0.4)
    assert listed.spotted == (WordConfidence("attorney", 0.8, 0.5, 1.1),)
    assert listed.not_transcribed is None and listed.transcribed


async def test_untranscribed_segment_keeps_the_call_sentiment_untouched(
    store: CallStore, make_segment: Make
) -> None:
    await store.start_call(CallStarted("c2", "twilio"))
    await store.add_segment(make_segment("c2", sentiment_score=0.5, sentiment_label="positive"))
    await store.add_segment(
        make_segment(
            "c2",
            text="",
            language="es",
            sentiment_score=0.0,
            sentiment_label="none",
            not_transcribed="no model for es",
        )
    )
    call = await store.get_call("c2")
    assert call is not None
    assert call.segment_count == 1 and call.avg_sentiment == 0.5
    segments = await store.list_segments("c2")
    assert [s.not_transcribed for s in segments] == [None, "no model for es"]


async def test_a_late_segment_reads_back_as_late(store: CallStore, make_segment: Make) -> None:
    await store.start_call(CallStarted("c3", "audiosocket"))
    await store.add_segment(make_segment("c3", text="on time"))
    await store.add_segment(make_segment("c3", text="waited out an overload", late=True))
    segments = await store.list_segments("c3")
    assert [(s.text, s.late) for s in segments] == [("on time", False), ("waited out an overload", True)]


async def test_search_finds_text_and_translation(store: CallStore, make_segment: Make) -> None:
    await store.start_call(CallStarted("c1", "twilio"))
    cancel = await store.add_segment(make_segment("c1", text="I want to cancel my account right now"))
    spanish = await store.add_segment(
        make_segment(
            "c1",
            text="Quiero hablar con el gerente",
            translation="I want to speak to the manager",
            language="es",
        )
    )
    assert [s.id for s in await store.search_segments("cancel")] == [cancel.id]
    assert [s.id for s in await store.search_segments("MANAGER")] == [spanish.id]
    assert [s.id for s in await store.search_segments("gerente")] == [spanish.id]
    assert {s.id for s in await store.search_segments("want")} == {cancel.id, spanish.id}
    assert [s.id for s in await store.search_segments('"my account"')] == [cancel.id]
    assert await store.search_segments('"account my"') == []
    assert await store.search_segments("cancel manager") == []
    assert len(await store.search_segments("want", limit=1)) == 1


async def test_search_follows_translations_and_deletes(store: CallStore, make_segment: Make) -> None:
    await store.start_call(CallStarted("c1", "twilio"))
    stored = await store.add_segment(make_segment("c1", text="necesito un reembolso", language="es"))
    assert await store.search_segments("refund") == []
    translated = await store.set_translation(stored.id, "I need a refund")
    assert translated.translation == "I need a refund"
    assert [s.id for s in await store.search_segments("refund")] == [stored.id]
    assert await store.delete_call("c1")
    assert await store.search_segments("refund") == []
    assert await store.list_segments("c1") == []
    assert not await store.delete_call("c1")


async def test_another_opener_sees_segment_and_aggregates_at_once(
    store: CallStore, make_segment: Make, database_url: str
) -> None:
    await store.start_call(CallStarted("c1", "twilio"))
    stored = await store.add_segment(make_segment("c1", sentiment_score=-0.5, sentiment_label="negative"))
    other = await CallStore.open(database_url)  # the dashboard's own store
    try:
        call = await other.get_call("c1")
        assert call is not None and (call.segment_count, call.negative_count) == (1, 1)
        assert [s.id for s in await other.list_segments("c1")] == [stored.id]
    finally:
        await other.close()


async def test_two_stores_adding_segments_at_once_lose_nothing(
    store: CallStore, make_segment: Make, database_url: str
) -> None:
    """Two workers' stores on one database, the same call: every segment counted,
    every keyword merged (the call row is locked while its aggregates change)."""
    await store.start_call(CallStarted("c1", "twilio"))
    other = await CallStore.open(database_url)
    try:
        await asyncio.gather(
            *(
                (store if n % 2 else other).add_segment(
                    make_segment("c1", start=float(n), sentiment_score=0.1, keywords=(f"k{n}",))
                )
                for n in range(20)
            )
        )
    finally:
        await other.close()
    call = await store.get_call("c1")
    assert call is not None and call.segment_count == 20
    assert sorted(call.keywords) == sorted(f"k{n}" for n in range(20))
    assert call.avg_sentiment == pytest.approx(0.1)
