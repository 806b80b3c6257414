"""The ``core`` component's schema: calls, their transcript segments and events.

Append new steps to `CORE_MIGRATIONS`, each with its SQLite and PostgreSQL
script (`schema_postgres` holds the ones that differ); never edit a step
that has shipped.
"""

from __future__ import annotations

from ingest.storage import schema_postgres
from ingest.storage.migrations import MigrationStep

COMPONENT = "core"

_CALLS_AND_SEGMENTS = """
CREATE TABLE calls (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    agent TEXT,
    agent_name TEXT,
    caller_number TEXT,
    campaign TEXT,
    in_group TEXT,
    started_at REAL NOT NULL,
    ended_at REAL,
    duration REAL,
    language TEXT,
    avg_sentiment REAL,
    min_sentiment REAL,
    max_sentiment REAL,
    segment_count INTEGER NOT NULL DEFAULT 0,
    positive_count INTEGER NOT NULL DEFAULT 0,
    negative_count INTEGER NOT NULL DEFAULT 0,
    neutral_count INTEGER NOT NULL DEFAULT 0,
    keywords TEXT NOT NULL DEFAULT '[]',
    alert_count INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    end_reason TEXT,
    metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX calls_by_started_at ON calls (started_at DESC);
CREATE INDEX calls_by_agent ON calls (agent, started_at DESC);
CREATE INDEX calls_by_status ON calls (status, started_at DESC);

CREATE TABLE segments (
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    speaker TEXT NOT NULL,
    "start" REAL NOT NULL,
    "end" REAL NOT NULL,
    text TEXT NOT NULL,
    translation TEXT,
    language TEXT,
    sentiment_score REAL NOT NULL,
    sentiment_label TEXT NOT NULL,
    keywords TEXT NOT NULL DEFAULT '[]',
    profanity TEXT NOT NULL DEFAULT '[]',
    confidence REAL NOT NULL,
    engine TEXT NOT NULL,
    rolling_sentiment REAL NOT NULL DEFAULT 0,
    consecutive_negative INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX segments_by_call ON segments (call_id, "start");

CREATE TABLE call_events (
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    at REAL NOT NULL
);
CREATE INDEX call_events_by_call ON call_events (call_id, at);
"""

# External-content FTS5 index: the text lives once, in `segments`; triggers
# keep the index in step with every insert, update and delete.
_SEGMENT_SEARCH = """
CREATE VIRTUAL TABLE segments_fts USING fts5 (
    text,
    translation,
    content = 'segments',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER segments_fts_after_insert AFTER INSERT ON segments BEGIN
    INSERT INTO segments_fts (rowid, text, translation)
    VALUES (new.id, new.text, new.translation);
END;
CREATE TRIGGER segments_fts_after_delete AFTER DELETE ON segments BEGIN
    INSERT INTO segments_fts (segments_fts, rowid, text, translation)
    VALUES ('delete', old.id, old.text, old.translation);
END;
CREATE TRIGGER segments_fts_after_update AFTER UPDATE OF text, translation ON segments BEGIN
    INSERT INTO segments_fts (segments_fts, rowid, text, translation)
    VALUES ('delete', old.id, old.text, old.translation);
    INSERT INTO segments_fts (rowid, text, translation)
    VALUES (new.id, new.text, new.translation);
END;
"""

# QA search (qa): every call filter has an index leading with it, and
# every sort key has one in sort order (with the id tie-break), so a search can
# walk calls in page order and stop as soon as the page is full.
_QA_SEARCH_INDEXES = """
CREATE INDEX calls_by_campaign ON calls (campaign, started_at);
CREATE INDEX calls_by_in_group ON calls (in_group, started_at);
CREATE INDEX calls_by_language ON calls (language, started_at);
CREATE INDEX calls_by_duration ON calls (duration, id);
CREATE INDEX calls_by_avg_sentiment ON calls (avg_sentiment, id);
CREATE INDEX calls_by_alert_count ON calls (alert_count, id);
"""

# QA search matches agent, campaign and in-group whatever their case ("Dmitri"
# finds "dmitri"): a NOCASE comparison can only use an index built with the
# same collation, so these replace the case-sensitive campaign and in-group
# indexes (nothing else filters on those). calls_by_agent stays: the agent
# pages look an agent up by their exact id.
_CASE_INSENSITIVE_FILTERS = """
CREATE INDEX calls_by_agent_nocase ON calls (agent COLLATE NOCASE, started_at DESC);
DROP INDEX calls_by_campaign;
DROP INDEX calls_by_in_group;
CREATE INDEX calls_by_campaign_nocase ON calls (campaign COLLATE NOCASE, started_at);
CREATE INDEX calls_by_in_group_nocase ON calls (in_group COLLATE NOCASE, started_at);
"""

# Per-word confidences and keyword spots (JSON lists of [word, confidence,
# start, end]), and why a segment has no text ("no model for es").
_WORD_CONFIDENCE_AND_LANGUAGE = """
ALTER TABLE segments ADD COLUMN words TEXT NOT NULL DEFAULT '[]';
ALTER TABLE segments ADD COLUMN spotted TEXT NOT NULL DEFAULT '[]';
ALTER TABLE segments ADD COLUMN not_transcribed TEXT;
"""

# Overload and scale-out: `late` marks a segment recognised after it waited
# beyond the overload deadline (so QA and the wallboard can tell); `worker_id`
# names the ingest worker that owns a live call, so a survivor can end only a
# dead worker's calls as interrupted.
_LATE_SEGMENTS_AND_CALL_OWNER = """
ALTER TABLE segments ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN worker_id TEXT;
CREATE INDEX calls_by_worker ON calls (status, worker_id);
"""

# PostgreSQL only (see schema_postgres.SEGMENT_CALL_KEYS): SQLite's search
# plans need no copy of the call's values on its segments.
_SEGMENT_CALL_KEYS = "-- nothing to do on SQLite"

# PostgreSQL only (see schema_postgres.SEARCH_FOLDS_ACCENTS): FTS5's unicode61
# tokenizer has always folded accents.
_SEARCH_FOLDS_ACCENTS = "-- nothing to do on SQLite"

CORE_MIGRATIONS: tuple[MigrationStep, ...] = (
    MigrationStep(_CALLS_AND_SEGMENTS, schema_postgres.CALLS_AND_SEGMENTS),
    MigrationStep(_SEGMENT_SEARCH, schema_postgres.SEGMENT_SEARCH),
    MigrationStep.portable(_QA_SEARCH_INDEXES),
    MigrationStep(_CASE_INSENSITIVE_FILTERS, schema_postgres.CASE_INSENSITIVE_FILTERS),
    MigrationStep.portable(_WORD_CONFIDENCE_AND_LANGUAGE),
    MigrationStep.portable(_LATE_SEGMENTS_AND_CALL_OWNER),
    MigrationStep(_SEGMENT_CALL_KEYS, schema_postgres.SEGMENT_CALL_KEYS),
    MigrationStep(_SEARCH_FOLDS_ACCENTS, schema_postgres.SEARCH_FOLDS_ACCENTS),
)
