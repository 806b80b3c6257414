"""A generated store in a real SQLite file, written through the real stores
(CallStore, AlertStore, ScorecardStore) exactly as the worker writes it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from alerts.store import AlertStore
from ingest.events import AlertRaised, CallEnded, CallStarted
from ingest.storage import CallStore
from qa import DEFAULT_CRITERIA, ScorecardStore, score_call
from tests.support.factories import make_segment

DAY = 86400.0


@dataclass(frozen=True)
class Line:
    speaker: str
    text: str
    score: float
    translation: str | None = None


@dataclass(frozen=True)
class FakeCall:
    """One call of the generated store (plain data, not a stand-in for anything)."""

    call_id: str
    agent: str
    campaign: str
    language: str
    days_ago: float
    duration: float | None  # None: still active
    lines: tuple[Line, ...]
    alert_levels: tuple[str, ...] = ()
    in_group: str | None = None
    qa_answers: dict | None = None


CALLS = (
    FakeCall(
        "c01",
        "a1",
        "billing",
        "en",
        2,
        120,
        (
            Line("caller", "I want a refund for my bill", -0.4),
            Line("agent", "Sure, I can help with that", 0.5),
        ),
        ("warning",),
    ),
    FakeCall(
        "c02",
        "a1",
        "retention",
        "en",
        10,
        300,
        (
            Line("caller", "I want to cancel my account", -0.6),
            Line("caller", "Can I speak to your supervisor?", -0.3),
            Line("caller", "This is unacceptable", -0.8),
        ),
        ("urgent", "critical"),
        qa_answers={"greeting": True, "disclosure": True, "empathy": 5},
    ),
    FakeCall(
        "c03",
        "a2",
        "sales",
        "es",
        1,
        60,
        (
            Line("caller", "quiero un reembolso", -0.2, "i want a refund"),
            Line("agent", "claro que sí", 0.4, "of course"),
        ),
        in_group="billing",
    ),
    FakeCall(
        "c04",
        "a2",
        "support",
        "en",
        40,
        600,
        (
            Line("caller", "my router keeps dropping the connection", -0.3),
            Line("agent", "the technician will visit on friday", 0.2),
        ),
    ),
    FakeCall(
        "c05",
        "a3",
        "support",
        "fr",
        100,
        200,
        (Line("caller", "je veux annuler", -0.5, "i want to cancel"),),
        ("warning",),
        qa_answers={"greeting": False, "resolution": 2},
    ),
    FakeCall(
        "c06",
        "a3",
        "billing",
        "en",
        95,
        90,
        (
            Line("caller", "refund please, refund now", -0.1),
            Line("agent", "zanzibar is our new plan", 0.3),
        ),
    ),
    FakeCall(
        "c07",
        "a1",
        "billing",
        "en",
        3,
        45,
        (
            Line("caller", "café au lait ñandú 東京 naïve", 0.0),
            Line("agent", 'she said "refund" -- <b>not</b> & more', 0.1),
        ),
    ),
    FakeCall("c08", "a2", "billing", "en", 0.5, None, (Line("caller", "hello, a refund question", 0.0),)),
)


async def write_store(
    path: str | Path, calls: tuple[FakeCall, ...] = CALLS, now: float | None = None
) -> float:
    """Write `calls` into a fresh database at `path` (a SQLite file or a database URL);
    returns the reference time used."""
    now = time.time() if now is None else now
    calls_db, alerts_db, cards_db = (
        await CallStore.open(path),
        await AlertStore.open(path),
        await ScorecardStore.open(path),
    )
    try:
        for call in calls:
            started = now - call.days_ago * DAY
            await calls_db.start_call(CallStarted(call.call_id, "simulated", started))
            await calls_db.update_call(
                call.call_id,
                agent=call.agent,
                agent_name=call.agent.upper(),
                campaign=call.campaign,
                in_group=call.in_group,
                language=call.language,
            )
            at = 0.0
            for line in call.lines:
                keywords = tuple(
                    k
                    for k in ("refund", "cancel", "supervisor")
                    if k in (line.translation or line.text).lower()
                )
                stored = await calls_db.add_segment(
                    make_segment(
                        call.call_id,
                        speaker=line.speaker,
                        start=at,
                        end=at + 2.5,
                        text=line.text,
                        language=call.language,
                        sentiment_score=line.score,
                        keywords=keywords,
                        created_at=started + at,
                    )
                )
                if line.translation:
                    await calls_db.set_translation(stored.id or 0, line.translation)
                at += 3.0
            for n, level in enumerate(call.alert_levels):
                await alerts_db.add_alert(AlertRaised(
                    id=f"{call.call_id}-alert-{n}", call_id=call.call_id, level=level, rules=("keyword_detected",),
                    reasons=("keyword",), text=call.lines[0].text, speaker="caller", score=-0.5,
                    rolling_score=-0.3, raised_at=started + 1, agent=call.agent,
                ))  # fmt: skip
                await alerts_db.record_delivery(f"{call.call_id}-alert-{n}", "slack", "delivered", 1)
            if call.qa_answers is not None:
                await cards_db.save(
                    score_call(
                        call.call_id,
                        "qa-lead",
                        DEFAULT_CRITERIA,
                        call.qa_answers,
                        notes="checked",
                        tags=("coaching",),
                        reviewed_at=started + 3600,
                    )
                )
            if call.duration is not None:
                await calls_db.end_call(CallEnded(call.call_id, "hangup", started + call.duration))
    finally:
        for store in (calls_db, alerts_db, cards_db):
            await store.close()
    return now


@pytest.fixture
async def qa_db(tmp_path: Path) -> Path:
    path = tmp_path / "qa.db"
    await write_store(path)
    return path


def bulk_calls(count: int = 30) -> tuple[FakeCall, ...]:
    """`count` calls that all mention an invoice, with distinct dates, durations and moods."""
    return tuple(
        FakeCall(
            f"b{n:02d}",
            f"a{n % 3}",
            "bulk",
            "en",
            days_ago=1 + n * 0.5,
            duration=30.0 + n * 7 % 200,
            lines=(Line("caller", f"question about invoice number {n}", round(-0.9 + n * 0.06, 2)),),
            alert_levels=("warning",) * (n % 4),
        )
        for n in range(count)
    )


@pytest.fixture
async def bulk_db(tmp_path: Path) -> Path:
    path = tmp_path / "bulk.db"
    await write_store(path, bulk_calls())
    return path
