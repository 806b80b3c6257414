"""`callmon calls list|show`: what is stored, as tables or JSON."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from app.cli.call_ids import resolve_call_id
from app.cli.options import DB_OPTION, load_settings
from app.cli.tables import Column, id_table
from ingest.storage import CallStore

LIST_COLUMNS = (
    Column("source", 6, keep=6),
    Column("status", 6, keep=1),
    Column("started", 19, keep=0),
    Column("duration", 6, keep=3, justify="right"),
    Column("agent", 8, keep=2),
    Column("segments", 4, keep=5, justify="right"),
    Column("sentiment", 5, keep=4, justify="right"),
    Column("alerts", 3, keep=2, justify="right"),
)
"""At 80 columns a 36-character call id leaves room for about four of these."""


@click.group()
def calls() -> None:
    """Calls stored in the database."""


@calls.command("list")
@DB_OPTION
@click.option("--limit", default=50, show_default=True, help="Newest calls first, at most this many.")
@click.option("--status", type=click.Choice(["active", "ended"]), help="Only calls in this state.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
def list_calls(db_path: Path | None, limit: int, status: str | None, as_json: bool) -> None:
    """List stored calls, newest first."""
    summaries = asyncio.run(_with_store(db_path, lambda s: s.list_calls(limit=limit, status=status)))
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in summaries], indent=2))
        return
    console = Console()
    rows = [
        (
            c.call_id,
            {
                "source": c.source,
                "status": c.status,
                "started": _time(c.started_at),
                "duration": _seconds(c.duration),
                "agent": c.agent_name or c.agent or "",
                "segments": str(c.segment_count),
                "sentiment": "" if c.avg_sentiment is None else f"{c.avg_sentiment:+.2f}",
                "alerts": str(c.alert_count),
            },
        )
        for c in summaries
    ]
    table = id_table("call", LIST_COLUMNS, rows, console.width)
    console.print(table)
    if not summaries:
        click.echo("no calls stored yet")


@calls.command("show")
@click.argument("call_id")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")
def show_call(call_id: str, db_path: Path | None, as_json: bool) -> None:
    """One call: its fields, then every segment. CALL_ID may be the start of an
    id when only one call's id starts that way."""

    async def load(store: CallStore) -> tuple[Any, Any]:
        nonlocal call_id
        call_id = await resolve_call_id(store.database, call_id)
        return await store.get_call(call_id), await store.list_segments(call_id)

    summary, segments = asyncio.run(_with_store(db_path, load))
    if summary is None:
        raise click.ClickException(f"no call {call_id!r} in the database (see `callmon calls list`)")
    if as_json:
        data = summary.to_dict()
        data["segments"] = [s.to_dict() for s in segments]
        click.echo(json.dumps(data, indent=2))
        return
    console = Console(highlight=False)
    for key, value in summary.to_dict().items():
        if key != "type" and value not in (None, "", [], {}):
            console.print(f"[bold]{key:>15}[/] {value}", markup=True, soft_wrap=True)
    table = Table("speaker", "start", "end", "sentiment", "text", "keywords", "language", "translation")
    for s in segments:
        table.add_row(
            s.speaker,
            f"{s.start:.1f}",
            f"{s.end:.1f}",
            f"{s.sentiment_score:+.2f} {s.sentiment_label}",
            s.text,
            ", ".join([*s.keywords, *s.profanity]),
            s.language or "",
            s.translation or "",
        )
    console.print(table)


async def _with_store(db_path: Path | None, action: Any) -> Any:
    settings = load_settings(db_path=db_path)
    target = settings.database
    if target.path is not None and not target.path.exists():
        raise click.ClickException(f"no database at {target.path} (run `callmon ingest` or give --db)")
    store = await CallStore.open(target)
    try:
        return await action(store)
    finally:
        await store.close()


def _time(epoch: float | None) -> str:
    return "" if epoch is None else dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.0f} s"
