"""Segments: aggregates kept in the same transaction, and the FTS5 index."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.events import CallStarted, TranscriptSegment
from ingest.storage import CallStore

Make = Callable[..., TranscriptSegment]


def fts_integrity_check(db_path: Path) -> None:
    """Raises sqlite3.DatabaseError if the index disagrees with the segments table."""
    with sqlite3.connect(db_path) as db:
        db.execute("INSERT INTO segments_fts (segments_fts, rank) VALUES ('integrity-check', 1)")


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


async def test_segment_and_aggregates_commit_together(
    store: CallStore, make_segment: Make, db_path: Path
) -> None:
    await store.start_call(CallStarted("c1", "twilio"))
    stored = await store.add_segment(make_segment("c1", sentiment_score=-0.5, sentiment_label="negative"))
    # A separate connection (the dashboard's) sees both as soon as add_segment returns.
    with sqlite3.connect(db_path) as other:
        count, negatives = other.execute(
            "SELECT segment_count, negative_count FROM calls WHERE id = 'c1'"
        ).fetchone()
        ids = [row[0] for row in other.execute("SELECT id FROM segments")]
    assert (count, negatives, ids) == (1, 1, [stored.id])


async def test_a_failed_segment_changes_nothing(store: CallStore, make_segment: Make) -> None:
    await store.start_call(CallStarted("c1", "twilio"))
    with pytest.raises(sqlite3.IntegrityError):
        await store.add_segment(make_segment("c1", text=None))  # type: ignore[arg-type]
    call = await store.get_call("c1")
    assert call is not None and call.segment_count == 0 and call.avg_sentiment is None
    assert await store.list_segments("c1") == []


async def test_search_finds_text_and_translation(store: CallStore, make_segment: Make, db_path: Path) -> None:
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
    accent = await store.add_segment(make_segment("c1", text="Le café était très mauvais", language="fr"))
    assert [s.id for s in await store.search_segments("cancel")] == [cancel.id]
    assert [s.id for s in await store.search_segments("MANAGER")] == [spanish.id]
    assert [s.id for s in await store.search_segments("gerente")] == [spanish.id]
    assert [s.id for s in await store.search_segments("cafe etait")] == [accent.id]  # diacritics removed
    assert {s.id for s in await store.search_segments("want")} == {cancel.id, spanish.id}
    assert [s.id for s in await store.search_segments('"my account"')] == [cancel.id]
    assert await store.search_segments('"account my"') == []
    assert len(await store.search_segments("want", limit=1)) == 1
    fts_integrity_check(db_path)


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


async def test_index_follows_updates_and_deletes(store: CallStore, make_segment: Make, db_path: Path) -> None:
    await store.start_call(CallStarted("c1", "twilio"))
    stored = await store.add_segment(make_segment("c1", text="necesito un reembolso", language="es"))
    assert await store.search_segments("refund") == []
    translated = await store.set_translation(stored.id, "I need a refund")
    assert translated.translation == "I need a refund"
    assert [s.id for s in await store.search_segments("refund")] == [stored.id]
    fts_integrity_check(db_path)

    with sqlite3.connect(db_path) as other:  # a correction made by another tool
        other.execute("UPDATE segments SET text = 'necesito una factura' WHERE id = ?", (stored.id,))
    assert await store.search_segments("reembolso") == []
    assert [s.id for s in await store.search_segments("factura")] == [stored.id]
    fts_integrity_check(db_path)

    await store.delete_call("c1")
    assert await store.search_segments("refund") == []
    assert await store.search_segments("factura") == []
    fts_integrity_check(db_path)
    with sqlite3.connect(db_path) as other:
        assert other.execute("SELECT COUNT(*) FROM segments_fts").fetchone()[0] == 0


async def test_set_translation_of_missing_segment(store: CallStore) -> None:
    with pytest.raises(KeyError):
        await store.set_translation(12345, "nothing")
