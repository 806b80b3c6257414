"""Storage on SQLite or PostgreSQL: calls, transcript segments, call events,
tracked per-dialect migrations, and the `Database` interface every store uses."""

from ingest.storage.busy import StoreBusy, retry_while_busy
from ingest.storage.connection import in_transaction, open_database
from ingest.storage.database import (
    Database,
    DatabaseTarget,
    PostgresDatabase,
    Queries,
    Row,
    SqliteDatabase,
    open_database_target,
    parse_database_url,
)
from ingest.storage.migrations import MigrationStep, apply_migrations
from ingest.storage.store import CallStore

__all__ = [
    "CallStore",
    "Database",
    "DatabaseTarget",
    "MigrationStep",
    "PostgresDatabase",
    "Queries",
    "Row",
    "SqliteDatabase",
    "StoreBusy",
    "apply_migrations",
    "in_transaction",
    "open_database",
    "open_database_target",
    "parse_database_url",
    "retry_while_busy",
]
