"""Supervisor notes to the agent of a call, stored with the call."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from dashboard.schema import COMPONENT, DASHBOARD_MIGRATIONS
from ingest.storage import in_transaction, open_database, retry_while_busy

MAX_NOTE_LENGTH = 500


@dataclass(frozen=True, slots=True)
class CallNote:
    id: int
    call_id: str
    author: str
    text: str
    created_at: float


class NoteStore:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> NoteStore:
        return cls(await open_database(path, component=COMPONENT, steps=DASHBOARD_MIGRATIONS))

    async def close(self) -> None:
        async with self._lock:
            await self._db.close()

    async def add(self, call_id: str, author: str, text: str) -> CallNote:
        text = text.strip()
        if not text:
            raise ValueError("a note needs some text")
        if len(text) > MAX_NOTE_LENGTH:
            raise ValueError(f"a note is at most {MAX_NOTE_LENGTH} characters")
        at = time.time()

        async def write(db: aiosqlite.Connection) -> int:
            cursor = await db.execute(
                "INSERT INTO call_notes (call_id, author, text, created_at) VALUES (?, ?, ?, ?)",
                (call_id, author, text, at))
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        async with self._lock:
            note_id = await retry_while_busy(
                lambda: in_transaction(self._db, write), what=f"add note to {call_id}", limit_s=30.0)
        return CallNote(note_id, call_id, author, text, at)

    async def list_for_call(self, call_id: str) -> list[CallNote]:
        async with self._lock, self._db.execute(
            "SELECT id, call_id, author, text, created_at FROM call_notes"
            " WHERE call_id = ? ORDER BY created_at, id", (call_id,)) as cursor:
            return [CallNote(*row) for row in await cursor.fetchall()]
