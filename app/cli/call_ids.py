"""Finding a call by the start of its id, as people type it (``callmon calls show 3f2a``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import aiosqlite
import click

from ingest.storage.database import Queries, Row

MAX_CANDIDATES = 10
_EXACT = "SELECT id FROM calls WHERE id = ?"
# A range on the primary key (binary order) instead of LIKE: the index is used
# and the typed text is never a pattern.
_STARTING_WITH = "SELECT id, started_at FROM calls WHERE id > ? AND id < ? ORDER BY started_at DESC LIMIT ?"


async def resolve_call_id(database: Path | Queries, typed: str) -> str:
    """The one call id that is `typed` or starts with it, in the SQLite file
    `database` (opened read-only) or an open database. No match, or several,
    is a `click.ClickException` naming the candidates (newest first)."""
    if not typed:
        raise click.ClickException("give a call id (or the start of one)")
    prefix_range = (typed, typed + "\U0010ffff", MAX_CANDIDATES + 1)
    candidates: list[Row]
    exact: Row | None
    if isinstance(database, Path):
        async with aiosqlite.connect(_read_only_uri(database), uri=True) as db:
            await db.execute("PRAGMA busy_timeout = 5000")
            exact = await (await db.execute(_EXACT, (typed,))).fetchone()
            if exact is None:
                candidates = list(await (await db.execute(_STARTING_WITH, prefix_range)).fetchall())
    else:
        exact = await database.fetch_one(_EXACT, (typed,))
        if exact is None:
            candidates = await database.fetch_all(_STARTING_WITH, prefix_range)
    if exact is not None:
        return str(exact[0])  # an id that is also the start of longer ids is itself
    if len(candidates) == 1:
        return str(candidates[0][0])
    if not candidates:
        raise click.ClickException(
            f"no call id is or starts with {typed!r} (see `callmon calls list` or `callmon search`)"
        )
    lines = [f"  {row[0]}  {_time(row[1])}" for row in candidates[:MAX_CANDIDATES]]
    more = "\n  ... and more: type more of the id" if len(candidates) > MAX_CANDIDATES else ""
    raise click.ClickException(
        f"{typed!r} is the start of several call ids; which one?\n" + "\n".join(lines) + more
    )


def _read_only_uri(db_path: Path) -> str:
    return f"{db_path.resolve().as_uri()}?mode=ro"


def _time(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")
