"""The dashboard's own tables, tracked as the ``dashboard`` migration component."""

from __future__ import annotations

COMPONENT = "dashboard"

DASHBOARD_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE dashboard_users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('supervisor', 'qa', 'agent', 'admin')),
        password_hash TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE call_notes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        call_id TEXT NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX call_notes_by_call ON call_notes (call_id, created_at);
    """,
)
