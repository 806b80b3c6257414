"""SQLite storage: calls, transcript segments, call events, tracked migrations."""

from ingest.storage.busy import StoreBusy, retry_while_busy
from ingest.storage.connection import in_transaction, open_database
from ingest.storage.migrations import apply_migrations
from ingest.storage.store import CallStore

__all__ = [
    "CallStore",
    "StoreBusy",
    "apply_migrations",
    "in_transaction",
    "open_database",
    "retry_while_busy",
]
