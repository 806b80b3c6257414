"""Purge: old calls go with everything attached, the search index keeps no orphans."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from qa import SearchQuery, search_calls
from qa.retention import count_purge, cutoff_for, parse_age, purge_calls, retention_from_env

TABLES = ("calls", "segments", "call_events", "alerts", "alert_deliveries", "qa_scorecards")


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def fts_rows(path: Path, word: str) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM segments_fts WHERE segments_fts MATCH ?", (word,)).fetchone()[
            0
        ]


async def test_purge_deletes_old_calls_and_everything_attached(qa_db: Path) -> None:
    before = counts(qa_db)
    assert fts_rows(qa_db, "zanzibar") == 1 and fts_rows(qa_db, "annuler") == 1
    cutoff = cutoff_for(parse_age("90d"))
    planned = await count_purge(qa_db, cutoff)
    assert planned.rows == {
        "alert_deliveries": 1,
        "alerts": 1,
        "qa_scorecards": 1,
        "call_events": 0,
        "segments": 3,
        "calls": 2,
    }
    assert counts(qa_db) == before  # counting deletes nothing

    done = await purge_calls(qa_db, cutoff)
    assert done.rows == planned.rows
    after = counts(qa_db)
    assert {t: before[t] - after[t] for t in TABLES} == {
        "calls": 2,
        "segments": 3,
        "call_events": 0,
        "alerts": 1,
        "alert_deliveries": 1,
        "qa_scorecards": 1,
    }
    # The index has no rows left for the purged segments (words only they held) ...
    assert fts_rows(qa_db, "zanzibar") == 0 and fts_rows(qa_db, "annuler") == 0
    with sqlite3.connect(qa_db) as db:
        # ... nothing points at a missing segment, and FTS5 agrees with its content table.
        orphans = db.execute(
            "SELECT count(*) FROM segments_fts WHERE segments_fts MATCH 'refund OR cancel'"
            " AND rowid NOT IN (SELECT id FROM segments)"
        ).fetchone()[0]
        assert orphans == 0
        db.execute("INSERT INTO segments_fts (segments_fts, rank) VALUES ('integrity-check', 1)")
        left = {row[0] for row in db.execute("SELECT DISTINCT call_id FROM alerts")}
        assert left == {"c01", "c02"}
    page = await search_calls(qa_db, SearchQuery(text="refund"))
    assert "c06" not in {h.call_id for h in page.hits} and page.total == 4


async def test_purge_with_nothing_old_changes_nothing(qa_db: Path) -> None:
    before = counts(qa_db)
    done = await purge_calls(qa_db, time.time() - 365 * 86400)
    assert done.calls == 0 and counts(qa_db) == before


async def test_active_calls_count_from_their_start(qa_db: Path) -> None:
    done = await purge_calls(qa_db, time.time() + 1)
    assert done.calls == 8 and counts(qa_db)["segments"] == 0


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90d", 90 * 86400),
        ("90", 90 * 86400),
        ("2w", 14 * 86400),
        ("36h", 36 * 3600),
        (" 1.5D ", 1.5 * 86400),
    ],
)
def test_parse_age(text: str, seconds: float) -> None:
    assert parse_age(text) == seconds


@pytest.mark.parametrize("text", ["", "0d", "-5d", "ninety days", "90m", "d"])
def test_bad_ages_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an age"):
        parse_age(text)


def test_retention_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALLMON_RETENTION_DAYS", raising=False)
    assert retention_from_env() is None
    monkeypatch.setenv("CALLMON_RETENTION_DAYS", "30")
    assert retention_from_env() == 30 * 86400
    monkeypatch.setenv("CALLMON_RETENTION_DAYS", "soon")
    with pytest.raises(ValueError, match="CALLMON_RETENTION_DAYS"):
        retention_from_env()
