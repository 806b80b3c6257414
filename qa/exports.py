"""Exports: search results as CSV/JSON; one call as JSON, plain text, WebVTT or SRT.

Subtitles carry the speaker (WebVTT as a ``<v Agent>`` voice span, SRT as an
``Agent:`` prefix) and the translation, when there is one, as a second line.
Cue times are the segment times from the start of the call.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from typing import Any, cast

import aiosqlite

from alerts.store import alert_from_row
from ingest.events import AlertRaised, CallSummary, TranscriptSegment
from ingest.storage import CallStore
from ingest.storage.database import PostgresDatabase, Queries, Row, SqliteDatabase
from qa.database import QAStore, table_exists
from qa.query import SearchPage
from qa.scorecards import scorecard_from_row

CALL_FORMATS = ("json", "txt", "vtt", "srt")
MIN_CUE_S = 0.1


@dataclass(frozen=True, slots=True)
class CallRecord:
    """Everything stored about one call, as exported."""

    summary: CallSummary
    segments: tuple[TranscriptSegment, ...]
    alerts: tuple[AlertRaised, ...] = ()
    scorecards: tuple[dict[str, Any], ...] = field(default_factory=tuple)


async def load_call_record(db_path: QAStore, call_id: str) -> CallRecord | None:
    """The call with its segments, alerts and scorecards; None if there is no such call.
    `db_path` is a SQLite file, a database URL or an open `Database` (left open)."""
    if isinstance(db_path, SqliteDatabase | PostgresDatabase):
        return await _record(CallStore(db_path), db_path, call_id)
    if isinstance(db_path, aiosqlite.Connection):
        raise TypeError("exports read through the stores: give the database file or URL")
    store = await CallStore.open(db_path)
    try:
        return await _record(store, store.database, call_id)
    finally:
        await store.close()


async def _record(store: CallStore, db: Queries, call_id: str) -> CallRecord | None:
    summary = await store.get_call(call_id)
    if summary is None:
        return None
    segments = tuple(await store.list_segments(call_id))
    # Alert ids are text: SQLite orders same-time alerts by insertion (rowid),
    # PostgreSQL, which has no rowid, by id.
    tiebreak = "rowid" if db.dialect == "sqlite" else "id"
    alerts = await _rows_if_table(
        db, "alerts", f"SELECT * FROM alerts WHERE call_id = ? ORDER BY raised_at, {tiebreak}", call_id
    )
    cards = await _rows_if_table(
        db, "qa_scorecards", "SELECT * FROM qa_scorecards WHERE call_id = ? ORDER BY reviewed_at, id", call_id
    )
    return CallRecord(
        summary,
        segments,
        # Any: alert_from_row is typed for sqlite3.Row, which a PostgreSQL row reads like.
        tuple(alert_from_row(cast(Any, row)) for row in alerts),
        tuple(scorecard_from_row(card).to_dict() for card in cards),
    )


async def _rows_if_table(db: Queries, table: str, sql: str, call_id: str) -> list[Row]:
    if db.dialect == "sqlite":
        present = await db.fetch_one(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        )
        if present is None:
            return []
    elif not await table_exists(db, table):
        return []
    return await db.fetch_all(sql, (call_id,))


def export_call(record: CallRecord, fmt: str) -> str:
    """`record` in `fmt`: ``json``, ``txt``, ``vtt`` or ``srt``."""
    writers = {"json": call_to_json, "txt": call_to_text, "vtt": call_to_webvtt, "srt": call_to_srt}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(CALL_FORMATS)}")
    return writers[fmt](record)


def call_to_json(record: CallRecord) -> str:
    data = record.summary.to_dict()
    data["segments"] = [s.to_dict() for s in record.segments]
    data["alerts"] = [a.to_dict() for a in record.alerts]
    data["scorecards"] = list(record.scorecards)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def call_to_text(record: CallRecord) -> str:
    """A readable transcript: a header, then ``[mm:ss] Speaker: text`` lines."""
    call = record.summary
    lines = [f"Call {call.call_id}"]
    for label, value in (
        ("Started", _local_time(call.started_at)), ("Duration", _seconds(call.duration)),
        ("Agent", call.agent_name or call.agent), ("Campaign", call.campaign),
        ("In-group", call.in_group), ("Caller", call.caller_number), ("Language", call.language),
        ("Average sentiment", None if call.avg_sentiment is None else f"{call.avg_sentiment:+.2f}"),
        ("Alerts", str(len(record.alerts) or call.alert_count)),
    ):  # fmt: skip
        if value:
            lines.append(f"{label}: {value}")
    lines.append("")
    for segment in record.segments:
        lines.append(f"[{_clock(segment.start)}] {speaker_label(segment.speaker)}: {_one_line(segment.text)}")
        if segment.translation:
            lines.append(f"        ({_one_line(segment.translation)})")
    for alert in record.alerts:
        lines.append(f"! {alert.level} alert at {_local_time(alert.raised_at)}: {'; '.join(alert.reasons)}")
    return "\n".join(lines) + "\n"


def call_to_webvtt(record: CallRecord) -> str:
    cues = ["WEBVTT", ""]
    for number, segment in enumerate(record.segments, start=1):
        start, end = _cue_times(segment)
        voice = _vtt_escape(speaker_label(segment.speaker))
        cues.append(str(number))
        cues.append(f"{vtt_timestamp(start)} --> {vtt_timestamp(end)}")
        cues.append(f"<v {voice}>{_vtt_escape(_one_line(segment.text))}</v>")
        if segment.translation:
            cues.append(_vtt_escape(_one_line(segment.translation)))
        cues.append("")
    return "\n".join(cues)


def call_to_srt(record: CallRecord) -> str:
    cues: list[str] = []
    for number, segment in enumerate(record.segments, start=1):
        start, end = _cue_times(segment)
        cues.append(str(number))
        cues.append(f"{srt_timestamp(start)} --> {srt_timestamp(end)}")
        cues.append(f"{speaker_label(segment.speaker)}: {_one_line(segment.text)}")
        if segment.translation:
            cues.append(_one_line(segment.translation))
        cues.append("")
    return "\n".join(cues)


def search_results_json(page: SearchPage) -> str:
    return json.dumps(page.to_dict(), indent=2, ensure_ascii=False) + "\n"


SEARCH_CSV_COLUMNS = (
    "call_id", "started_at", "duration", "agent", "agent_name", "campaign", "in_group", "language",
    "avg_sentiment", "segment_count", "alert_count", "status", "matching_segments", "snippets",
)  # fmt: skip


def search_results_csv(page: SearchPage) -> str:
    """One row per call; `started_at` in ISO 8601 (UTC), matches marked with [brackets]."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SEARCH_CSV_COLUMNS)
    for hit in page.hits:
        started = dt.datetime.fromtimestamp(hit.started_at, dt.UTC).isoformat(timespec="seconds")
        snippets = " | ".join(f"{speaker_label(s.speaker)}: {_one_line(s.marked())}" for s in hit.snippets)
        text = spreadsheet_safe
        writer.writerow([
            text(hit.call_id), started, _number(hit.duration), text(hit.agent or ""),
            text(hit.agent_name or ""), text(hit.campaign or ""), text(hit.in_group or ""),
            text(hit.language or ""), _number(hit.avg_sentiment), hit.segment_count, hit.alert_count,
            text(hit.status), "" if hit.matching_segments is None else hit.matching_segments, text(snippets),
        ])  # fmt: skip
    return out.getvalue()


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """A text cell a spreadsheet will show as text: one starting like a formula
    (``=HYPERLINK(...)`` from call metadata or speech) gets a leading quote (OWASP's advice).
    Numbers we format ourselves are written without it, so they stay numbers."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def vtt_timestamp(seconds: float) -> str:
    """``hh:mm:ss.ttt`` (WebVTT always accepts the hours field)."""
    hours, minutes, secs, millis = _split(seconds)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def srt_timestamp(seconds: float) -> str:
    """``hh:mm:ss,ttt`` (SRT uses a comma before the milliseconds)."""
    hours, minutes, secs, millis = _split(seconds)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def speaker_label(speaker: str) -> str:
    return {"agent": "Agent", "caller": "Caller", "unknown": "Speaker"}.get(
        speaker, speaker.title() or "Speaker"
    )


def _split(seconds: float) -> tuple[int, int, int, int]:
    total_ms = max(0, round(seconds * 1000))
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return hours, minutes, secs, millis


def _cue_times(segment: TranscriptSegment) -> tuple[float, float]:
    # Players drop cues whose end is not after their start.
    start = max(0.0, segment.start)
    return start, max(segment.end, start + MIN_CUE_S)


def _vtt_escape(text: str) -> str:
    # Escaping < and > also keeps a "-->" in the text from ending the cue timing.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _one_line(text: str) -> str:
    """Cue text must not hold a blank line (it ends the cue): keep it on one line."""
    return " ".join(text.split())


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(max(0.0, seconds)), 60)
    return f"{minutes:02d}:{secs:02d}"


def _local_time(epoch: float | None) -> str | None:
    return None if epoch is None else dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def _seconds(value: float | None) -> str | None:
    return None if value is None else f"{value:.0f} s"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"
