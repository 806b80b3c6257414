"""Segments: aggregates kept in the same transaction, and the FTS5 index."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from ingest.events import CallStarted, TranscriptSegment
from ingest.storage import CallStore

Make = Callable[..., TranscriptSegment]


def fts_integrity_check(db_path: Path) -> None:
    """Raises sqlite3.DatabaseError if the index disagrees with the segments table."""
    with sqlite3.connect(db_path) as db:
        db.execute("INSERT INTO segments_fts (segments_fts, rank) VALUES ('integrity-check', 1)")


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
