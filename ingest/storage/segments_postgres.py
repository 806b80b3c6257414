"""Storing a segment on PostgreSQL in two round trips.

SQLite runs the segment's transaction on its own thread in one hop; over a
network each statement is a round trip, so here the work is two statements
with no explicit transaction: the placeholder call row (idempotent), then one
statement that inserts the segment and updates the call's aggregates
atomically. The UPDATE locks the call row and, under READ COMMITTED, is
re-evaluated on the newest version of a row another transaction just changed,
so concurrent segments of one call never lose a count or a keyword. The
keyword union keeps first-seen order, as `merge_keywords` does on SQLite.
"""

from __future__ import annotations

import logging
from typing import Any

from ingest.events import TranscriptSegment
from ingest.storage.database import Queries

log = logging.getLogger(__name__)

CREATE_PLACEHOLDER_CALL = (
    "INSERT INTO calls (id, source, started_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING"
)

# The call's keywords, then the segment's (:keywords) not already there.
_MERGED_KEYWORDS = """(
    SELECT COALESCE(jsonb_agg(word ORDER BY first_seen), '[]'::jsonb)::text
    FROM (
        SELECT word, MIN(position) AS first_seen
        FROM (
            SELECT value AS word, ordinality AS position
            FROM jsonb_array_elements_text(calls.keywords::jsonb) WITH ORDINALITY
            UNION ALL
            SELECT value, ordinality + 1000000000
            FROM jsonb_array_elements_text(CAST(:keywords AS jsonb)) WITH ORDINALITY
        ) AS every_word
        GROUP BY word
    ) AS merged
)"""

_SCORED = f"""
    avg_sentiment = (COALESCE(avg_sentiment, 0) * segment_count + :score) / (segment_count + 1),
    min_sentiment = LEAST(min_sentiment, :score),
    max_sentiment = GREATEST(max_sentiment, :score),
    segment_count = segment_count + 1,
    positive_count = positive_count + CASE WHEN :label = 'positive' THEN 1 ELSE 0 END,
    negative_count = negative_count + CASE WHEN :label = 'negative' THEN 1 ELSE 0 END,
    neutral_count = neutral_count + CASE WHEN :label = 'neutral' THEN 1 ELSE 0 END,
    keywords = {_MERGED_KEYWORDS},
"""


async def add_segment_postgresql(
    db: Queries,
    segment: TranscriptSegment,
    values: dict[str, Any],
    *,
    placeholder_source: str,
    retry: bool = False,
) -> int:
    """Store `segment` (its column `values`) and update its call; the new segment id.
    A call never started gets a row with `placeholder_source`. On a `retry` after a
    lost connection the first try may have committed: the segment already stored for
    the same call, speaker and start is the one (one statement: all or nothing)."""
    if retry:
        stored = await db.fetch_one(
            'SELECT id FROM segments WHERE call_id = ? AND speaker = ? AND "start" = ?',
            (segment.call_id, segment.speaker, segment.start),
        )
        if stored is not None:
            return int(stored["id"])
    if await db.execute(CREATE_PLACEHOLDER_CALL, (segment.call_id, placeholder_source, segment.created_at)):
        log.warning("call %s was not started before its first record; created it", segment.call_id)
    columns = ", ".join(f'"{name}"' for name in values)
    placeholders = ", ".join(f":{name}" for name in values)
    # No text, no score: an untranscribed segment must not pull the call's sentiment to 0.
    scored = _SCORED if segment.transcribed else ""
    row = await db.fetch_one(
        f"WITH inserted AS (INSERT INTO segments ({columns}) VALUES ({placeholders}) RETURNING id),"
        f" updated AS (UPDATE calls SET {scored} language = COALESCE(language, :language)"
        "  WHERE id = :call_id)"
        " SELECT id FROM inserted",
        {**values, "score": segment.sentiment_score, "label": segment.sentiment_label},
    )
    assert row is not None
    return int(row["id"])
