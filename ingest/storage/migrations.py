"""Schema migrations tracked in the database itself (the sqlite-utils way).

Each component (``core``, ``alerts``, ``vicidial``...) owns an ordered list of
steps; step ``i`` is version ``i + 1`` on every backend. A step is either a
plain SQL script (SQLite only) or a `MigrationStep` with one script per
dialect. `apply_migrations()` runs the SQLite steps not yet recorded in
``schema_migrations``, each in its own ``BEGIN IMMEDIATE`` transaction, so two
processes opening the same database at once apply every step exactly once;
the PostgreSQL runner gets the same guarantee from an advisory lock.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import aiosqlite

log = logging.getLogger(__name__)

Dialect = Literal["sqlite", "postgresql"]


@dataclass(frozen=True, slots=True)
class MigrationStep:
    """One schema version, written for each backend. `postgresql=None` means the
    step has no PostgreSQL version (yet): opening that component there fails clearly."""

    sqlite: str
    postgresql: str | None = None

    @classmethod
    def portable(cls, sql: str) -> MigrationStep:
        """A step whose SQL means the same on both backends."""
        return cls(sqlite=sql, postgresql=sql)


Migration = str | MigrationStep
"""A plain string is a SQLite-only script (the components not yet ported)."""


def scripts_for(dialect: Dialect, component: str, steps: Sequence[Migration]) -> list[str]:
    """The script of every step for `dialect`, in version order."""
    scripts = []
    for version, step in enumerate(steps, start=1):
        if isinstance(step, str):
            script: str | None = step if dialect == "sqlite" else None
        else:
            script = step.sqlite if dialect == "sqlite" else step.postgresql
        if script is None:
            raise NotImplementedError(
                f"the {component} component has no {dialect} version of migration {version}"
            )
        scripts.append(script)
    return scripts


_CREATE_TRACKING_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    applied_at REAL NOT NULL,
    PRIMARY KEY (component, version)
)
"""


async def apply_migrations(conn: aiosqlite.Connection, component: str, steps: Sequence[Migration]) -> None:
    """Apply the steps of `component` that this SQLite database has not seen yet, in order."""
    await conn.execute(_CREATE_TRACKING_TABLE)
    await conn.commit()
    for version, script in enumerate(scripts_for("sqlite", component, steps), start=1):
        await _apply_step(conn, component, version, script)


async def applied_versions(conn: aiosqlite.Connection, component: str) -> list[int]:
    """Versions of `component` recorded as applied, ascending."""
    async with conn.execute(
        "SELECT version FROM schema_migrations WHERE component = ? ORDER BY version",
        (component,),
    ) as cursor:
        return [row[0] for row in await cursor.fetchall()]


async def _apply_step(conn: aiosqlite.Connection, component: str, version: int, script: str) -> None:
    # The check happens inside the write transaction: another process may
    # have applied this step between our last look and now.
    await conn.execute("BEGIN IMMEDIATE")
    try:
        async with conn.execute(
            "SELECT 1 FROM schema_migrations WHERE component = ? AND version = ?",
            (component, version),
        ) as cursor:
            if await cursor.fetchone() is not None:
                await conn.rollback()
                return
        for statement in split_statements(script):
            cursor = await conn.execute(statement)
            await cursor.close()  # an unfinished statement would pin a read snapshot
        await conn.execute(
            "INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)",
            (component, version, time.time()),
        )
        await conn.commit()
    except BaseException:
        await conn.rollback()
        raise
    log.info("applied %s migration %d", component, version)


def split_statements(script: str) -> list[str]:
    """Split a SQL script into complete statements.

    `executescript()` would commit our transaction first, so statements run one
    by one; `sqlite3.complete_statement` knows that the ``;`` inside a
    ``CREATE TRIGGER ... BEGIN ... END`` body does not end the statement.
    """
    statements: list[str] = []
    current = ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if not _is_blank(current):
                statements.append(current.strip())
            current = ""
    if not _is_blank(current):
        raise ValueError(f"incomplete SQL statement at the end of a migration: {current.strip()!r}")
    return statements


_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


def _is_blank(sql: str) -> bool:
    """True for text that is only whitespace, semicolons and comments."""
    return not _COMMENT.sub("", sql).strip(" \t\r\n;")
