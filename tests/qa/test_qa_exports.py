"""Exports: the VTT and SRT we write parse back; JSON, text and CSV hold what is stored."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from qa import SearchQuery, search_calls
from qa.exports import (
    FORMULA_PREFIXES,
    export_call,
    load_call_record,
    search_results_csv,
    search_results_json,
    spreadsheet_safe,
    srt_timestamp,
    vtt_timestamp,
)
from tests.qa.conftest import FakeCall, Line, write_store

VTT_TIME = r"(\d{2,}):(\d{2}):(\d{2})\.(\d{3})"
SRT_TIME = r"(\d{2,}):(\d{2}):(\d{2}),(\d{3})"


def seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_cues(text: str, time_pattern: str) -> list[dict]:
    """A strict reader for the cue blocks both formats share."""
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.split("\n")
        assert lines[0].isdigit(), block
        match = re.fullmatch(f"{time_pattern} --> {time_pattern}", lines[1])
        assert match, lines[1]
        start, end = seconds(*match.groups()[:4]), seconds(*match.groups()[4:])
        assert end > start
        assert all(line.strip() for line in lines[2:]) and len(lines) in (3, 4)
        cues.append({"n": int(lines[0]), "start": start, "end": end, "lines": lines[2:]})
    return cues


def test_timestamps() -> None:
    assert vtt_timestamp(0) == "00:00:00.000"
    assert vtt_timestamp(3723.4567) == "01:02:03.457"
    assert srt_timestamp(59.9996) == "00:01:00,000"
    assert srt_timestamp(-1) == "00:00:00,000"


async def test_webvtt_parses_with_voices_escapes_and_translations(qa_db: Path) -> None:
    record = await load_call_record(qa_db, "c07")
    assert record is not None
    text = export_call(record, "vtt")
    assert text.startswith("WEBVTT\n\n")
    cues = parse_cues(text.removeprefix("WEBVTT\n\n"), VTT_TIME)
    assert [c["n"] for c in cues] == [1, 2]
    assert (cues[1]["start"], cues[1]["end"]) == (3.0, 5.5)
    assert cues[0]["lines"] == ["<v Caller>café au lait ñandú 東京 naïve</v>"]
    # "-->", "<b>" and "&" in speech cannot break the cue or inject markup.
    assert cues[1]["lines"] == ['<v Agent>she said "refund" -- &lt;b&gt;not&lt;/b&gt; &amp; more</v>']

    spanish = await load_call_record(qa_db, "c03")
    assert spanish is not None
    cue = parse_cues(export_call(spanish, "vtt").removeprefix("WEBVTT\n\n"), VTT_TIME)[0]
    assert cue["lines"] == ["<v Caller>quiero un reembolso</v>", "i want a refund"]


async def test_srt_parses_with_speaker_prefix_and_translation(qa_db: Path) -> None:
    record = await load_call_record(qa_db, "c03")
    assert record is not None
    cues = parse_cues(export_call(record, "srt"), SRT_TIME)
    assert cues[0] == {
        "n": 1,
        "start": 0.0,
        "end": 2.5,
        "lines": ["Caller: quiero un reembolso", "i want a refund"],
    }
    assert cues[1]["lines"] == ["Agent: claro que sí", "of course"]


async def test_json_and_text_hold_the_whole_call(qa_db: Path) -> None:
    record = await load_call_record(qa_db, "c02")
    assert record is not None
    data = json.loads(export_call(record, "json"))
    assert data["call_id"] == "c02" and data["agent"] == "a1"
    assert data["segments"][0]["text"] == "I want to cancel my account"
    assert {a["level"] for a in data["alerts"]} == {"urgent", "critical"}
    assert data["scorecards"][0]["reviewer"] == "qa-lead"
    text = export_call(record, "txt")
    assert "Call c02" in text and "Agent: A1" in text
    assert "[00:03] Caller: Can I speak to your supervisor?" in text
    assert "critical alert" in text


async def test_missing_call_is_none(qa_db: Path) -> None:
    assert await load_call_record(qa_db, "nope") is None


async def test_search_results_as_csv_and_json(qa_db: Path) -> None:
    page = await search_calls(qa_db, SearchQuery(text="refund", sort="duration"))
    rows = list(csv.DictReader(io.StringIO(search_results_csv(page))))
    assert [r["call_id"] for r in rows] == [h.call_id for h in page.hits]
    c06 = next(r for r in rows if r["call_id"] == "c06")
    assert c06["snippets"] == "Caller: [refund] please, [refund] now"
    assert c06["duration"] == "90.000" and c06["started_at"].endswith("+00:00")
    data = json.loads(search_results_json(page))
    assert data["total"] == 5 and data["query"]["text"] == "refund"
    assert data["hits"][0]["snippets"][0]["spans"]


async def test_csv_cells_cannot_be_spreadsheet_formulas(tmp_path: Path) -> None:
    # Every text field an outsider can influence (metadata via ViciDial, speech) starts like a formula.
    hostile = FakeCall(
        '=HYPERLINK("https://evil.example","x")',
        "@agent",
        "+campaign",
        "en",
        1,
        30,
        (Line("caller", "refund =cmd|' /C calc'!A0", -0.5),),
        in_group="-2+3",
    )
    path = tmp_path / "hostile.db"
    await write_store(path, (hostile,))
    page = await search_calls(path, SearchQuery(text="refund"))
    [row] = list(csv.DictReader(io.StringIO(search_results_csv(page))))
    assert row["call_id"] == '\'=HYPERLINK("https://evil.example","x")'
    assert row["agent"] == "'@agent" and row["campaign"] == "'+campaign" and row["in_group"] == "'-2+3"
    assert row["avg_sentiment"] == "-0.500"  # our own numbers stay numbers
    for column, cell in row.items():
        if column not in ("duration", "avg_sentiment"):
            assert not cell.startswith(FORMULA_PREFIXES), cell


def test_spreadsheet_safe_prefixes_every_formula_start() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert spreadsheet_safe(f"{start}1+1") == f"'{start}1+1"
    assert spreadsheet_safe("plain") == "plain" and spreadsheet_safe("") == ""
