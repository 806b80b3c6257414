"""Supervisor notes to the agent of a call, stored with the call."""

from __future__ import annotations

import time
from dataclasses import dataclass

from dashboard.schema import COMPONENT, DASHBOARD_MIGRATIONS
from ingest.storage.component_store import ComponentStore
from ingest.storage.database import Queries

MAX_NOTE_LENGTH = 500


@dataclass(frozen=True, slots=True)
class CallNote:
    id: int
    call_id: str
    author: str
    text: str
    created_at: float


class NoteStore(ComponentStore):
    """Supervisors' notes to agents. Create with `await NoteStore.open(path)`."""

    COMPONENT = COMPONENT
    MIGRATIONS = DASHBOARD_MIGRATIONS

    async def add(self, call_id: str, author: str, text: str) -> CallNote:
        text = text.strip()
        if not text:
            raise ValueError("a note needs some text")
        if len(text) > MAX_NOTE_LENGTH:
            raise ValueError(f"a note is at most {MAX_NOTE_LENGTH} characters")
        at = time.time()

        async def write(db: Queries) -> int:
            row = await db.fetch_one(
                "INSERT INTO call_notes (call_id, author, text, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                (call_id, author, text, at),
            )
            assert row is not None
            return int(row["id"])

        note_id = await self._transaction(f"add note to {call_id}", write)
        return CallNote(note_id, call_id, author, text, at)

    async def list_for_call(self, call_id: str) -> list[CallNote]:
        rows = await self._read(
            "SELECT id, call_id, author, text, created_at FROM call_notes WHERE call_id = ? ORDER BY created_at, id",
            (call_id,),
        )
        return [CallNote(*row) for row in rows]
