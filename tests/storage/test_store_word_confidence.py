"""Per-word confidences, keyword spots and the not-transcribed reason are stored with the segment."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import aiosqlite

from ingest.events import CallStarted, TranscriptSegment, WordConfidence
from ingest.storage import CallStore
from ingest.storage.migrations import apply_migrations
from ingest.storage.schema import COMPONENT, CORE_MIGRATIONS

Make = Callable[..., TranscriptSegment]


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


async def test_segments_stored_before_the_migration_read_with_defaults(tmp_path: Path) -> None:
    db_path = tmp_path / "old.db"
    async with aiosqlite.connect(db_path) as conn:
        await apply_migrations(conn, COMPONENT, CORE_MIGRATIONS[:3])
        await conn.execute("INSERT INTO calls (id, source, started_at) VALUES ('old', 'twilio', 1.0)")
        await conn.execute(
            'INSERT INTO segments (call_id, speaker, "start", "end", text, sentiment_score,'
            " sentiment_label, confidence, engine, created_at)"
            " VALUES ('old', 'caller', 0, 1, 'hello', 0.1, 'positive', 0.9, 'sphinx', 2.0)"
        )
        await conn.commit()
    store = await CallStore.open(db_path)
    try:
        [segment] = await store.list_segments("old")
    finally:
        await store.close()
    assert segment.words == () and segment.spotted == () and segment.not_transcribed is None
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT max(version) FROM schema_migrations WHERE component = 'core'").fetchone()[
            0
        ] == len(CORE_MIGRATIONS)


async def test_a_late_segment_reads_back_as_late(store: CallStore, make_segment: Make) -> None:
    await store.start_call(CallStarted("c3", "audiosocket"))
    await store.add_segment(make_segment("c3", text="on time"))
    await store.add_segment(make_segment("c3", text="waited out an overload", late=True))
    segments = await store.list_segments("c3")
    assert [(s.text, s.late) for s in segments] == [("on time", False), ("waited out an overload", True)]
