"""QA scorecards stored per call, with reviewer, time, notes and tags.

The ``qa`` component owns the ``qa_scorecards`` table and its migrations. Each
scorecard keeps a copy of the criteria it was scored against, so a total stays
explainable after the criteria file changes. A call may be reviewed several
times; the newest scorecard is the call's current score.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from ingest.events import now
from ingest.storage.component_store import ComponentStore
from ingest.storage.rows import from_json, to_json
from qa.criteria import Answer, Criterion, total_score

COMPONENT = "qa"

QA_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE qa_scorecards (
        id INTEGER PRIMARY KEY,
        call_id TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        reviewed_at REAL NOT NULL,
        answers TEXT NOT NULL,
        criteria TEXT NOT NULL,
        total REAL,
        notes TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX qa_scorecards_by_call ON qa_scorecards (call_id, reviewed_at DESC);
    CREATE INDEX qa_scorecards_by_time ON qa_scorecards (reviewed_at DESC);
    """,
)


@dataclass(frozen=True, slots=True)
class Scorecard:
    call_id: str
    reviewer: str
    answers: Mapping[str, Answer]
    criteria: tuple[Criterion, ...]
    total: float | None
    reviewed_at: float = field(default_factory=now)
    notes: str = ""
    tags: tuple[str, ...] = ()
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "call_id": self.call_id, "reviewer": self.reviewer,
            "reviewed_at": self.reviewed_at, "answers": dict(self.answers),
            "criteria": [c.to_dict() for c in self.criteria], "total": self.total,
            "notes": self.notes, "tags": list(self.tags),
        }  # fmt: skip


def score_call(
    call_id: str,
    reviewer: str,
    criteria: Sequence[Criterion],
    answers: Mapping[str, Answer],
    *,
    notes: str = "",
    tags: Sequence[str] = (),
    reviewed_at: float | None = None,
) -> Scorecard:
    """A checked scorecard with its total (pure); raises `CriteriaError` on bad answers."""
    if not reviewer.strip():
        raise ValueError("a scorecard needs a reviewer")
    return Scorecard(
        call_id=call_id, reviewer=reviewer.strip(), answers=dict(answers),
        criteria=tuple(criteria), total=total_score(criteria, answers),
        reviewed_at=now() if reviewed_at is None else reviewed_at, notes=notes,
        tags=tuple(dict.fromkeys(t.strip() for t in tags if t.strip())),
    )  # fmt: skip


class ScorecardStore(ComponentStore):
    """Scorecards in the calls database. Create with `await ScorecardStore.open(path)`."""

    COMPONENT = COMPONENT
    MIGRATIONS = QA_MIGRATIONS

    async def save(self, scorecard: Scorecard) -> Scorecard:
        """Store `scorecard` (always a new row: reviews are history) and return it with its id."""

        async def body(db: aiosqlite.Connection) -> int:
            cursor = await db.execute(
                "INSERT INTO qa_scorecards (call_id, reviewer, reviewed_at, answers, criteria,"
                " total, notes, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (scorecard.call_id, scorecard.reviewer, scorecard.reviewed_at,
                 to_json(dict(scorecard.answers)), to_json([c.to_dict() for c in scorecard.criteria]),
                 scorecard.total, scorecard.notes, to_json(list(scorecard.tags))),
            )  # fmt: skip
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        row_id = await self._write(f"save scorecard for {scorecard.call_id}", body)
        return dataclasses.replace(scorecard, id=row_id)

    async def list_for_call(self, call_id: str) -> list[Scorecard]:
        """Every scorecard of `call_id`, newest first."""
        async with (
            self._lock,
            self._db.execute(
                "SELECT * FROM qa_scorecards WHERE call_id = ? ORDER BY reviewed_at DESC, id DESC",
                (call_id,),
            ) as cursor,
        ):
            return [scorecard_from_row(row) for row in await cursor.fetchall()]

    async def latest(self, call_id: str) -> Scorecard | None:
        cards = await self.list_for_call(call_id)
        return cards[0] if cards else None


def scorecard_from_row(row: sqlite3.Row) -> Scorecard:
    return Scorecard(
        id=row["id"], call_id=row["call_id"], reviewer=row["reviewer"],
        reviewed_at=row["reviewed_at"], answers=from_json(row["answers"], {}),
        criteria=tuple(Criterion(**c) for c in from_json(row["criteria"], [])),
        total=row["total"], notes=row["notes"], tags=tuple(from_json(row["tags"], [])),
    )  # fmt: skip
