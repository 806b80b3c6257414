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
    # Who changed which user when (UI and CLI alike), and a per-user cut-off:
    # sessions that began before it are over (role change, password reset).
    """
    CREATE TABLE dashboard_user_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('add', 'remove', 'role', 'password')),
        target TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX dashboard_user_audit_by_at ON dashboard_user_audit (at);
    ALTER TABLE dashboard_users ADD COLUMN sessions_valid_after REAL NOT NULL DEFAULT 0;
    """,
)
