"""Conversions between stored rows and the event dataclasses (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from ingest.events import CallSummary, TranscriptSegment, WordConfidence
from ingest.storage.database import Row

CALL_COLUMNS = (
    "id, source, status, started_at, ended_at, duration, agent, agent_name, caller_number,"
    " campaign, in_group, language, avg_sentiment, min_sentiment, max_sentiment,"
    " segment_count, positive_count, negative_count, neutral_count, keywords,"
    " alert_count, metadata"
)
SEGMENT_COLUMNS = (
    'id, call_id, speaker, "start", "end", text, confidence, language, engine,'
    " sentiment_score, sentiment_label, keywords, profanity, translation,"
    " rolling_sentiment, consecutive_negative, created_at, words, spotted, not_transcribed, late"
)


def to_json(value: Any) -> str:
    return orjson.dumps(value).decode()


def from_json(text: str | None, default: Any) -> Any:
    return default if text is None else orjson.loads(text)


def summary_from_row(row: Row) -> CallSummary:
    return CallSummary(
        call_id=row["id"],
        source=row["source"],
        status=row["status"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        duration=row["duration"],
        agent=row["agent"],
        agent_name=row["agent_name"],
        caller_number=row["caller_number"],
        campaign=row["campaign"],
        in_group=row["in_group"],
        language=row["language"],
        avg_sentiment=row["avg_sentiment"],
        min_sentiment=row["min_sentiment"],
        max_sentiment=row["max_sentiment"],
        segment_count=row["segment_count"],
        positive_count=row["positive_count"],
        negative_count=row["negative_count"],
        neutral_count=row["neutral_count"],
        keywords=tuple(from_json(row["keywords"], [])),
        alert_count=row["alert_count"],
        metadata=from_json(row["metadata"], {}),
    )


def segment_from_row(row: Row) -> TranscriptSegment:
    return TranscriptSegment(
        id=row["id"],
        call_id=row["call_id"],
        speaker=row["speaker"],
        start=row["start"],
        end=row["end"],
        text=row["text"],
        confidence=row["confidence"],
        language=row["language"],
        engine=row["engine"],
        sentiment_score=row["sentiment_score"],
        sentiment_label=row["sentiment_label"],
        keywords=tuple(from_json(row["keywords"], [])),
        profanity=tuple(from_json(row["profanity"], [])),
        translation=row["translation"],
        rolling_sentiment=row["rolling_sentiment"],
        consecutive_negative=row["consecutive_negative"],
        created_at=row["created_at"],
        words=words_from_json(row["words"]),
        spotted=words_from_json(row["spotted"]),
        not_transcribed=row["not_transcribed"],
        late=bool(row["late"]),
    )


def segment_values(segment: TranscriptSegment) -> dict[str, Any]:
    return {
        "call_id": segment.call_id,
        "speaker": segment.speaker,
        "start": segment.start,
        "end": segment.end,
        "text": segment.text,
        "translation": segment.translation,
        "language": segment.language,
        "sentiment_score": segment.sentiment_score,
        "sentiment_label": segment.sentiment_label,
        "keywords": to_json(list(segment.keywords)),
        "profanity": to_json(list(segment.profanity)),
        "confidence": segment.confidence,
        "engine": segment.engine,
        "rolling_sentiment": segment.rolling_sentiment,
        "consecutive_negative": segment.consecutive_negative,
        "created_at": segment.created_at,
        "words": words_to_json(segment.words),
        "spotted": words_to_json(segment.spotted),
        "not_transcribed": segment.not_transcribed,
        "late": int(segment.late),
    }


def words_to_json(words: Iterable[WordConfidence]) -> str:
    # Compact rows ([word, confidence, start, end]): a segment has tens of words.
    return to_json([[w.word, w.confidence, w.start, w.end] for w in words])


def words_from_json(text: str | None) -> tuple[WordConfidence, ...]:
    words = []
    for item in from_json(text, []):
        try:
            word, confidence, start, end = item
            words.append(WordConfidence(str(word), float(confidence), float(start), float(end)))
        except (TypeError, ValueError):
            continue  # a hand-edited or foreign row: the text is still there
    return tuple(words)


def merge_keywords(known: Iterable[str], new: Iterable[str]) -> list[str]:
    """Union of two keyword lists, first-seen order kept."""
    return list(dict.fromkeys([*known, *new]))
