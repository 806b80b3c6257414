"""The audit trail of live listen-in: who listened to which call, from when to when.

Only the fact of listening is kept; the audio never is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiosqlite

from ingest.storage.component_store import ComponentStore

LISTEN_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE listen_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        call_id TEXT NOT NULL,
        user TEXT NOT NULL,
        role TEXT NOT NULL,
        party TEXT NOT NULL,
        client TEXT,
        started_at REAL NOT NULL,
        stopped_at REAL,
        frames_sent INTEGER NOT NULL DEFAULT 0,
        frames_dropped INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX listen_audit_call ON listen_audit (call_id, started_at);
    CREATE INDEX listen_audit_user ON listen_audit (user, started_at);
    """,
)


@dataclass(frozen=True, slots=True)
class ListenRecord:
    id: int
    call_id: str
    user: str
    role: str
    party: str
    client: str | None
    started_at: float
    stopped_at: float | None
    frames_sent: int
    frames_dropped: int


class ListenAuditStore(ComponentStore):
    """Create with `await ListenAuditStore.open(path)`."""

    COMPONENT = "listen"
    MIGRATIONS = LISTEN_MIGRATIONS

    async def started(self, call_id: str, user: str, role: str, party: str, client: str | None) -> int:
        """Record the start of a listen; returns its id for `stopped`."""

        async def body(db: aiosqlite.Connection) -> int:
            cursor = await db.execute(
                "INSERT INTO listen_audit (call_id, user, role, party, client, started_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (call_id, user, role, party, client, time.time()),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        return await self._write("listen started", body)

    async def stopped(self, listen_id: int, frames_sent: int, frames_dropped: int) -> None:
        async def body(db: aiosqlite.Connection) -> None:
            await db.execute(
                "UPDATE listen_audit SET stopped_at = ?, frames_sent = ?, frames_dropped = ? WHERE id = ?",
                (time.time(), frames_sent, frames_dropped, listen_id),
            )

        await self._write("listen stopped", body)

    async def for_call(self, call_id: str) -> list[ListenRecord]:
        rows = await self._read(
            "SELECT * FROM listen_audit WHERE call_id = ? ORDER BY started_at", (call_id,)
        )
        return [ListenRecord(**dict(row)) for row in rows]
