"""Tracked migrations on PostgreSQL: the same ``schema_migrations`` table and
versions as on SQLite, each step in its own transaction.

Several workers may start at once against one server. Every step runs under
a transaction-scoped advisory lock, so the second opener waits, then finds
the step recorded and skips it. DDL is transactional in PostgreSQL: a step
that fails leaves nothing behind.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ingest.storage.migrations import Migration, scripts_for

if TYPE_CHECKING:
    from psycopg import AsyncConnection

log = logging.getLogger(__name__)

# Any constant both sides agree on: "callmon migrations" as a 63-bit key.
MIGRATION_LOCK_KEY = 0x63616C6C6D6F6E

_CREATE_TRACKING_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    applied_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (component, version)
)
"""


async def apply_postgres_migrations(
    conn: AsyncConnection[Any], component: str, steps: Sequence[Migration]
) -> None:
    """Apply the steps of `component` this database has not seen yet, in order.
    `conn` must be in autocommit mode (each step opens its own transaction)."""
    scripts = scripts_for("postgresql", component, steps)
    for version, script in enumerate(scripts, start=1):
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
            # Created under the lock: two concurrent CREATE TABLE IF NOT EXISTS
            # can both pass the check and one then fails on the catalogue.
            await conn.execute(_CREATE_TRACKING_TABLE)
            cursor = await conn.execute(
                "SELECT 1 FROM schema_migrations WHERE component = %s AND version = %s",
                (component, version),
            )
            if await cursor.fetchone() is not None:
                continue
            # No parameters: psycopg sends the script as one simple query, so
            # it may hold several statements.
            await conn.execute(script.encode())
            await conn.execute(
                "INSERT INTO schema_migrations (component, version, applied_at) VALUES (%s, %s, %s)",
                (component, version, time.time()),
            )
        log.info("applied %s migration %d (postgresql)", component, version)


async def applied_postgres_versions(conn: AsyncConnection[Any], component: str) -> list[int]:
    cursor = await conn.execute(
        "SELECT version FROM schema_migrations WHERE component = %s ORDER BY version", (component,)
    )
    return [row[0] for row in await cursor.fetchall()]
