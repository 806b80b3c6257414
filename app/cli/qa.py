"""`callmon search | export | purge | agents`: QA review from the command line."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import click
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from app.cli.call_ids import resolve_call_id
from app.cli.options import DB_OPTION, load_settings
from app.cli.tables import Column, id_table
from ingest.storage.database import DatabaseTarget, open_database_target
from qa.exports import CALL_FORMATS, export_call, load_call_record, search_results_csv, search_results_json
from qa.query import ALERT_LEVELS, SORT_KEYS, SearchQuery
from qa.retention import (
    RETENTION_ENV,
    count_purge,
    cutoff_for,
    parse_age,
    purge_calls,
    retention_from_env,
)
from qa.search import search_calls
from qa.stats import agent_statistics


def _database(db_path: Path | None) -> Path | DatabaseTarget:
    """The SQLite file (which must exist) or, with CALLMON_DATABASE_URL, the PostgreSQL server."""
    target = load_settings(db_path=db_path).database
    if target.dialect != "sqlite":
        return target
    path = target.path or Path(load_settings(db_path=db_path).db_path)
    if not path.exists():
        raise click.ClickException(f"no database at {path} (run `callmon ingest` or give --db)")
    return path


async def _resolve_call_id(database: Path | DatabaseTarget, typed: str) -> str:
    if isinstance(database, Path):
        return await resolve_call_id(database, typed)
    db = await open_database_target(database)
    try:
        return await resolve_call_id(db, typed)
    finally:
        await db.close()


def _when(value: str | None, option: str) -> float | None:
    """``2024-05-01``, ``2024-05-01T14:30`` (local time) or an age such as ``7d`` (ago)."""
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value).timestamp()
    except ValueError:
        pass  # not a date: try it as an age below
    try:
        return cutoff_for(parse_age(value))
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: use a date (2024-05-01), a date and time (2024-05-01T14:30) or an age (7d, 36h)",
            param_hint=option,
        ) from None


SEARCH_COLUMNS = (
    Column("started", 19, keep=0),
    Column("duration", 5, keep=5, justify="right"),
    Column("agent", 8, keep=2),
    Column("campaign", 8, keep=6),
    Column("lang", 4, keep=7),
    Column("sentiment", 5, keep=3, justify="right"),
    Column("alerts", 3, keep=4, justify="right"),
    Column("matches", 14, keep=1, wraps=True),
)


@click.command("search")
@click.argument("text", default="", required=False)
@DB_OPTION
@click.option("--agent", help="Agent id (ViciDial user).")
@click.option("--campaign", help="Campaign or in-group.")
@click.option("--language", help="Call language code, e.g. en, es.")
@click.option(
    "--from",
    "date_from",
    metavar="WHEN",
    help="Calls started at or after: 2024-05-01, 2024-05-01T14:30 or 7d (ago).",
)
@click.option("--to", "date_to", metavar="WHEN", help="Calls started before (same forms as --from).")
@click.option("--min-sentiment", type=click.FloatRange(-1, 1), help="Lowest sentiment, -1..1.")
@click.option("--max-sentiment", type=click.FloatRange(-1, 1), help="Highest sentiment, -1..1.")
@click.option(
    "--sentiment-of",
    type=click.Choice(["call", "segment"]),
    default="call",
    show_default=True,
    help="Apply the sentiment range to the call's average or to a (matching) segment.",
)
@click.option("--has-alerts/--no-alerts", default=None, help="Only calls with (or without) alerts.")
@click.option(
    "--level", type=click.Choice(ALERT_LEVELS), help="Only calls with an alert at this level or higher."
)
@click.option("--keyword", help="Only calls where this alert keyword was spotted (e.g. cancel).")
@click.option("--min-duration", type=click.FloatRange(0), help="Shortest call, in seconds.")
@click.option("--max-duration", type=click.FloatRange(0), help="Longest call, in seconds.")
@click.option("--sort", type=click.Choice(SORT_KEYS), default="date", show_default=True, help="Sort order.")
@click.option("--asc", is_flag=True, help="Ascending (oldest, shortest, most negative... first).")
@click.option("--limit", type=click.IntRange(1, 500), default=25, show_default=True, help="Calls per page.")
@click.option(
    "--offset", type=click.IntRange(0), default=0, show_default=True, help="Calls to skip (paging)."
)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
def search(
    text: str,
    db_path: Path | None,
    agent: str | None,
    campaign: str | None,
    language: str | None,
    date_from: str | None,
    date_to: str | None,
    min_sentiment: float | None,
    max_sentiment: float | None,
    sentiment_of: str,
    has_alerts: bool | None,
    level: str | None,
    keyword: str | None,
    min_duration: float | None,
    max_duration: float | None,
    sort: str,
    asc: bool,
    limit: int,
    offset: int,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Search stored calls: every word of TEXT must appear in a segment's
    transcript or translation ("quotes" keep a phrase together; an upper-case
    OR between words or phrases finds either side). Without TEXT, calls are
    listed by the filters alone. Agent and campaign match whatever their case.

    \b
    Examples:
      callmon search refund --from 7d --level urgent
      callmon search '"speak to a supervisor"' --agent 1001 --json
      callmon search 'refund OR "money back"' --campaign billing
      callmon search --campaign billing --max-sentiment -0.3 --sort sentiment --asc
    """
    try:
        query = SearchQuery(
            text=text, agent=agent, campaign=campaign, language=language,
            date_from=_when(date_from, "--from"), date_to=_when(date_to, "--to"),
            min_sentiment=min_sentiment, max_sentiment=max_sentiment, sentiment_scope=sentiment_of,  # type: ignore[arg-type]  # click.Choice gave a Literal
            has_alerts=has_alerts, alert_level=level, keyword=keyword, min_duration=min_duration,
            max_duration=max_duration, sort=sort, descending=not asc, limit=limit, offset=offset,  # type: ignore[arg-type]  # click.Choice gave a Literal
        )  # fmt: skip
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    page = asyncio.run(search_calls(_database(db_path), query))
    if as_json:
        click.echo(search_results_json(page), nl=False)
        return
    if as_csv:
        click.echo(search_results_csv(page), nl=False)
        return
    console = Console(highlight=False)
    for notice in page.notices:
        console.print(f"note: {notice}", style="yellow", markup=False)
    rows: list[tuple[str, dict[str, RenderableType]]] = []
    for hit in page.hits:
        matches = Text()
        for snippet in hit.snippets:
            if matches:
                matches.append("\n")
            matches.append(f"{snippet.speaker}: ")
            _append_marked(matches, snippet.text, snippet.spans)
        rows.append(
            (
                hit.call_id,
                {
                    "started": _time(hit.started_at),
                    "duration": "" if hit.duration is None else f"{hit.duration:.0f} s",
                    "agent": hit.agent_name or hit.agent or "",
                    "campaign": hit.campaign or hit.in_group or "",
                    "lang": hit.language or "",
                    "sentiment": "" if hit.avg_sentiment is None else f"{hit.avg_sentiment:+.2f}",
                    "alerts": str(hit.alert_count),
                    "matches": matches,
                },
            )
        )
    table = id_table("call", SEARCH_COLUMNS, rows, console.width)
    console.print(table)
    shown = f"{query.offset + 1}-{query.offset + len(page.hits)}" if page.hits else "none"
    total = (
        f" of {page.total}" if page.total is not None else (" (more with --offset)" if page.has_more else "")
    )
    click.echo(f"calls {shown}{total}")


def _append_marked(text: Text, plain: str, spans: tuple[tuple[int, int], ...]) -> None:
    position = 0
    for start, end in spans:
        text.append(plain[position:start])
        text.append(plain[start:end], style="bold yellow")
        position = end
    text.append(plain[position:])


@click.command("export")
@click.argument("call_id")
@DB_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(CALL_FORMATS),
    default="json",
    show_default=True,
    help="json (everything), txt (readable transcript), vtt (WebVTT) or srt subtitles.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of stdout.",
)
def export(call_id: str, db_path: Path | None, fmt: str, output: Path | None) -> None:
    """Export one call's transcript (speakers, times, translations) and details.
    CALL_ID may be the start of an id when only one call's id starts that way."""
    path = _database(db_path)
    call_id = asyncio.run(_resolve_call_id(path, call_id))
    record = asyncio.run(load_call_record(path, call_id))
    if record is None:
        raise click.ClickException(f"no call {call_id!r} in the database (see `callmon search`)")
    content = export_call(record, fmt)
    if output is None:
        click.echo(content, nl=False)
    else:
        output.write_text(content, encoding="utf-8")
        click.echo(f"wrote {output} ({len(record.segments)} segments, {fmt})", err=True)


@click.command("purge")
@DB_OPTION
@click.option(
    "--older-than",
    "older_than",
    metavar="AGE",
    help=f"Delete calls that ended longer ago than this: 90d, 12w, 36h.  [default: ${RETENTION_ENV} days]",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge(db_path: Path | None, older_than: str | None, yes: bool) -> None:
    """Delete old calls with their segments, events, alerts, deliveries,
    scorecards and search-index rows, all in one transaction."""
    try:
        age_s = parse_age(older_than) if older_than else retention_from_env()
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--older-than") from None
    if age_s is None:
        raise click.UsageError(f"give --older-than (e.g. 90d) or set {RETENTION_ENV}")
    path = _database(db_path)
    cutoff = cutoff_for(age_s)
    planned = asyncio.run(count_purge(path, cutoff))
    click.echo(f"calls that ended before {_time(cutoff)}: " + _counts(planned.rows))
    if planned.calls == 0:
        click.echo("nothing to delete")
        return
    if not yes:
        click.confirm("delete them?", abort=True)
    done = asyncio.run(purge_calls(path, cutoff))
    click.echo("deleted: " + _counts(done.rows))


@click.command("agents")
@DB_OPTION
@click.option(
    "--days",
    type=click.FloatRange(min=0, min_open=True),
    default=7,
    show_default=True,
    help="Calls started in the last N days.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
def agents(db_path: Path | None, days: float, as_json: bool) -> None:
    """Per-agent statistics: calls, sentiment, alerts, duration and QA score."""
    rows = asyncio.run(agent_statistics(_database(db_path), days))
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows], indent=2))
        return
    table = Table(
        "agent", "calls", "avg sentiment", "positive", "negative", "alerts", "avg duration", "avg QA"
    )
    for r in rows:
        table.add_row(
            r.agent_name or r.agent or "(none)",
            str(r.calls),
            "" if r.avg_sentiment is None else f"{r.avg_sentiment:+.2f}",
            str(r.positive_segments),
            str(r.negative_segments),
            str(r.alerts),
            "" if r.avg_duration is None else f"{r.avg_duration:.0f} s",
            "" if r.avg_qa_score is None else f"{r.avg_qa_score:.0f}",
        )
    Console().print(table)


def _counts(rows: dict[str, int]) -> str:
    return ", ".join(f"{count} {table.replace('_', ' ')}" for table, count in rows.items())


def _time(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")
