"""AlertStore on a real SQLite file shared with the calls store."""

import sqlite3

from alerts.store import ALERT_MIGRATIONS, AlertStore
from ingest.events import AlertRaised, CallStarted
from ingest.storage import CallStore


def alert(n: int, call_id: str = "call-1", level: str = "warning") -> AlertRaised:
    return AlertRaised(
        id=f"alert-{n}",
        call_id=call_id,
        level=level,
        rules=("keyword_detected", "profanity"),
        reasons=('keyword "cancel"', 'profanity "damn"'),
        text="cancel it, damn",
        speaker="caller",
        score=-0.5,
        rolling_score=-0.25,
        raised_at=1000.0 + n,
        agent="agent7",
    )


async def test_alerts_round_trip_newest_first(tmp_path):
    store = await AlertStore.open(tmp_path / "callmon.db")
    try:
        for n in range(3):
            await store.add_alert(alert(n, call_id="a" if n < 2 else "b"))
        listed = await store.list_alerts()
        assert [a.id for a in listed] == ["alert-2", "alert-1", "alert-0"]
        assert listed[-1] == alert(0, call_id="a")
        assert [a.id for a in await store.list_alerts(call_id="a")] == ["alert-1", "alert-0"]
        assert [a.id for a in await store.list_alerts(limit=1)] == ["alert-2"]
        assert await store.get_alert("alert-1") == alert(1, call_id="a")
        assert await store.get_alert("nope") is None
    finally:
        await store.close()


async def test_acknowledge_once(tmp_path):
    store = await AlertStore.open(tmp_path / "callmon.db")
    try:
        await store.add_alert(alert(1))
        await store.add_alert(alert(2))
        ack = await store.acknowledge("alert-1", "sam", at=2000.0)
        assert (ack.id, ack.call_id, ack.acknowledged_by, ack.acknowledged_at) == (
            "alert-1",
            "call-1",
            "sam",
            2000.0,
        )
        assert await store.acknowledge("alert-1", "kim") is None  # already done
        assert await store.acknowledge("missing", "kim") is None
        stored = await store.get_alert("alert-1")
        assert (stored.acknowledged_by, stored.acknowledged_at) == ("sam", 2000.0)
        assert [a.id for a in await store.list_alerts(unacknowledged_only=True)] == ["alert-2"]
    finally:
        await store.close()


async def test_alert_count_on_the_calls_row(tmp_path):
    path = tmp_path / "callmon.db"
    calls = await CallStore.open(path)
    store = await AlertStore.open(path)
    try:
        await calls.start_call(CallStarted("call-1", "simulated", started_at=10.0))
        await store.add_alert(alert(1))
        await store.add_alert(alert(2))
        await store.add_alert(alert(3, call_id="not-a-stored-call"))
        assert (await calls.get_call("call-1")).alert_count == 2
    finally:
        await store.close()
        await calls.close()


async def test_migrations_are_tracked_and_reopening_is_harmless(tmp_path):
    path = tmp_path / "callmon.db"
    for _ in range(2):
        store = await AlertStore.open(path)
        await store.add_alert(alert(len(await store.list_alerts())))
        await store.close()
    with sqlite3.connect(path) as db:
        versions = db.execute("SELECT version FROM schema_migrations WHERE component = 'alerts'").fetchall()
        assert versions == [(n,) for n in range(1, len(ALERT_MIGRATIONS) + 1)]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT COUNT(*) FROM alerts").fetchone() == (2,)


async def test_delivery_status_is_upserted_per_channel(tmp_path):
    store = await AlertStore.open(tmp_path / "callmon.db")
    try:
        await store.add_alert(alert(1))
        await store.record_delivery("alert-1", "slack", "retrying", 1, "HTTP 500")
        await store.record_delivery("alert-1", "slack", "delivered", 2, None, 1234.5)
        await store.record_delivery("alert-1", "smtp", "failed", 4, "connection refused")
        deliveries = await store.list_deliveries("alert-1")
        assert [(d.channel, d.status, d.attempts, d.last_error, d.delivered_at) for d in deliveries] == [
            ("slack", "delivered", 2, None, 1234.5),
            ("smtp", "failed", 4, "connection refused", None),
        ]
    finally:
        await store.close()
