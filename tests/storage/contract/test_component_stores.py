"""Every other store on both backends: alerts and deliveries, chat, dashboard
users and notes, the listen-in audit. Same calls, same answers."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from alerts.store import AlertQuery, AlertStore
from chat.store import ChatStore
from dashboard.notes import NoteStore
from dashboard.users import UserError, UserStore
from ingest.events import AlertRaised, CallStarted
from ingest.storage import CallStore
from ingest.storage.listen_audit import ListenAuditStore


def alert(n: int, call_id: str = "call-1", *, rules: tuple[str, ...] = ("keyword_detected",)) -> AlertRaised:
    return AlertRaised(
        id=f"alert-{n}",
        call_id=call_id,
        level="urgent" if n % 2 else "warning",
        rules=rules,
        reasons=tuple(f'reason "{rule}" 100%' for rule in rules),
        text="cancel it, damn — ¿qué?",
        speaker="caller",
        score=-0.5,
        rolling_score=None,
        raised_at=1000.0,  # equal times: insertion order breaks the tie
        agent="Agent7",
    )


# ------------------------------------------------------------------ alerts


async def test_alerts_round_trip_and_filter(database_url: str) -> None:
    calls = await CallStore.open(database_url)
    store = await AlertStore.open(database_url)
    try:
        await calls.start_call(CallStarted("call-1", "twilio", started_at=1.0))
        await calls.update_call("call-1", campaign="Sales")
        await store.add_alert(alert(1, rules=("keyword_detected", "profanity")))
        await store.add_alert(alert(2, call_id="gone"))
        await store.add_alert(alert(3, rules=("negative_sentiment",)))
        assert await store.get_alert("alert-1") == alert(1, rules=("keyword_detected", "profanity"))
        assert [a.id for a in await store.list_alerts()] == ["alert-3", "alert-2", "alert-1"]
        assert [a.id for a in await store.list_alerts(call_id="call-1", limit=1)] == ["alert-3"]
        assert (await calls.get_call("call-1")).alert_count == 2  # type: ignore[union-attr]

        async def ids(query: AlertQuery) -> list[str]:
            return [stored.alert.id for stored in await store.query_alerts(query)]

        assert await ids(AlertQuery(rule="profanity")) == ["alert-1"]
        assert await ids(AlertQuery(agent="agent7")) == ["alert-3", "alert-2", "alert-1"]
        assert await ids(AlertQuery(campaign="SALES")) == ["alert-3", "alert-1"]
        assert await ids(AlertQuery(live=True)) == ["alert-3", "alert-1"]
        assert await ids(AlertQuery(live=False)) == ["alert-2"]
        assert await ids(AlertQuery(levels=("urgent",))) == ["alert-3", "alert-1"]
        [first] = [
            s for s in await store.query_alerts(AlertQuery(call_id="call-1")) if s.alert.id == "alert-1"
        ]
        assert (first.call_live, first.campaign, first.note) == (True, "Sales", None)
        assert await store.alert_rules() == ["keyword_detected", "negative_sentiment", "profanity"]
    finally:
        await store.close()
        await calls.close()


async def test_alerts_without_a_calls_table(database_url: str) -> None:
    store = await AlertStore.open(database_url)
    try:
        await store.add_alert(alert(1))
        assert [s.alert.id for s in await store.query_alerts(AlertQuery())] == ["alert-1"]
        assert await store.query_alerts(AlertQuery(live=True)) == []
    finally:
        await store.close()


async def test_acknowledge_once_even_when_two_race(database_url: str) -> None:
    store = await AlertStore.open(database_url)
    other = await AlertStore.open(database_url)
    try:
        await store.add_alert(alert(1))
        results = await asyncio.gather(
            store.acknowledge("alert-1", "sam", at=2000.0, note="called back"),
            other.acknowledge("alert-1", "kim", at=2000.0),
        )
        assert sum(result is not None for result in results) == 1
        assert await store.acknowledge("missing", "kim") is None
        [stored] = await store.query_alerts(AlertQuery(acknowledged=True))
        assert stored.alert.acknowledged_by in ("sam", "kim")
        assert await store.list_alerts(unacknowledged_only=True) == []
    finally:
        await other.close()
        await store.close()


async def test_deliveries_are_upserted_per_channel(database_url: str) -> None:
    store = await AlertStore.open(database_url)
    try:
        await store.record_delivery("alert-1", "slack", "retrying", 1, last_error="HTTP 500")
        await store.record_delivery("alert-1", "slack", "delivered", 2, delivered_at=5.0)
        await store.record_delivery("alert-1", "email", "failed", 3, last_error="refused")
        deliveries = await store.list_deliveries("alert-1")
        assert [(d.channel, d.status, d.attempts, d.last_error, d.delivered_at) for d in deliveries] == [
            ("email", "failed", 3, "refused", None),
            ("slack", "delivered", 2, None, 5.0),
        ]
    finally:
        await store.close()


# -------------------------------------------------------------------- chat


async def test_chat_lifecycle(database_url: str) -> None:
    store = await ChatStore.open(database_url)
    try:
        chat = await store.open_chat("CA1", "voice", "en", caller_number="+15550100")
        assert (chat.status, chat.caller_number) == ("choosing", "+15550100")
        assert (await store.open_chat("CA1", "media", "fr")).mode == "voice"  # a repeated webhook
        await store.set_language("CA1", "es")
        await store.set_stream("CA1", "MZ1")
        assert [c.id for c in await store.list_chats()] == ["CA1"]
        assert await store.assign("CA1", "ana")
        assert not await store.assign("CA1", "bob")
        caller = await store.add_message("CA1", "caller", "hola 100%", "es", state="received")
        reply = await store.add_message("CA1", "agent", "hi", "en", state="queued")
        assert reply.id > caller.id
        await store.set_translations(reply.id, "hola", "hi")
        assert [m.id for m in await store.queued_replies("CA1")] == [reply.id]
        assert await store.set_state([reply.id], "spoken", only_from=("playing",)) == 0
        assert await store.set_state([reply.id], "spoken", only_from=("queued",)) == 1
        messages = await store.list_messages("CA1")
        assert [(m.text, m.translation, m.state) for m in messages] == [
            ("hola 100%", None, "received"),
            ("hi", "hola", "spoken"),
        ]
        assert messages[1].delivered_at is not None
        late = await store.add_message("CA1", "agent", "bye", "en", state="queued")
        assert await store.end_chat("CA1")
        assert not await store.end_chat("CA1")
        assert [m.state for m in await store.list_messages("CA1") if m.id == late.id] == ["dropped"]
        assert await store.list_chats() == []
        ended = await store.get_chat("CA1")
        assert ended is not None and ended.status == "ended" and ended.agent == "ana"
    finally:
        await store.close()


async def test_only_one_agent_gets_a_waiting_chat(database_url: str) -> None:
    first = await ChatStore.open(database_url)
    second = await ChatStore.open(database_url)
    try:
        await first.open_chat("CA2", "media", "en")
        await first.set_language("CA2", "fr")
        won = await asyncio.gather(first.assign("CA2", "ana"), second.assign("CA2", "bob"))
        assert sorted(won) == [False, True]
    finally:
        await second.close()
        await first.close()


# ------------------------------------------------------- users and notes


async def test_users_and_their_audit(database_url: str) -> None:
    store = await UserStore.open(database_url)
    try:
        added = await store.add(" Ana ", "admin", "correct horse")
        assert added.name == "Ana"
        with pytest.raises(UserError, match="already exists"):
            await store.add("Ana", "qa", "another password")
        await store.add("bob", "supervisor", "battery staple")
        assert [u.name for u in await store.list()] == ["Ana", "bob"]
        assert await store.count_admins() == 1
        assert await store.authenticate("Ana", "correct horse") == await store.get("Ana")
        assert await store.authenticate("Ana", "wrong password") is None
        assert await store.authenticate("nobody", "correct horse") is None
        with pytest.raises(UserError, match="last admin"):
            await store.set_role("Ana", "qa", keep_an_admin=True)
        assert await store.set_role("bob", "admin", actor="Ana")
        bob = await store.get("bob")
        assert bob is not None and bob.role == "admin" and bob.sessions_valid_after > 0
        assert await store.set_password("bob", "new password!")
        assert not await store.set_password("nobody", "new password!")
        assert await store.remove("Ana", keep_an_admin=True)
        assert not await store.remove("Ana")
        assert [(e.action, e.target) for e in await store.audit_trail()] == [
            ("remove", "Ana"),
            ("password", "bob"),
            ("role", "bob"),
            ("add", "bob"),
            ("add", "Ana"),
        ]
    finally:
        await store.close()


async def test_two_admins_demoting_each_other_leave_one(database_url: str) -> None:
    first = await UserStore.open(database_url)
    second = await UserStore.open(database_url)
    try:
        await first.add("ana", "admin", "correct horse")
        await first.add("bob", "admin", "correct horse")
        results = await asyncio.gather(
            first.set_role("ana", "qa", keep_an_admin=True),
            second.set_role("bob", "qa", keep_an_admin=True),
            return_exceptions=True,
        )
        assert sum(isinstance(result, UserError) for result in results) == 1
        assert await first.count_admins() == 1
    finally:
        await second.close()
        await first.close()


async def test_notes_round_trip(database_url: str) -> None:
    store = await NoteStore.open(database_url)
    try:
        first = await store.add("c1", "sam", "  slow down  ")
        second = await store.add("c1", "sam", "offer the 10% discount")
        await store.add("c2", "kim", "elsewhere")
        assert first.text == "slow down" and second.id > first.id
        assert await store.list_for_call("c1") == [first, second]
        with pytest.raises(ValueError):
            await store.add("c1", "sam", "   ")
    finally:
        await store.close()


async def test_users_and_notes_share_one_migration_component(database_url: str) -> None:
    users, notes = await asyncio.gather(UserStore.open(database_url), NoteStore.open(database_url))
    try:
        await users.add("ana", "qa", "correct horse")
        await notes.add("c1", "ana", "hello")
        rows = await users.database.fetch_all(
            "SELECT version FROM schema_migrations WHERE component = 'dashboard' ORDER BY version"
        )
        assert [row["version"] for row in rows] == [1, 2]
    finally:
        await notes.close()
        await users.close()


# ------------------------------------------------------------ listen audit


async def test_listen_audit_round_trip(database_url: str) -> None:
    store = await ListenAuditStore.open(database_url)
    try:
        first = await store.started("c1", "sam", "supervisor", "both", "10.0.0.9")
        second = await store.started("c1", "kim", "qa", "caller", None)
        await store.started("c2", "sam", "supervisor", "agent", None)
        await store.stopped(first, frames_sent=500, frames_dropped=3)
        records = await store.for_call("c1")
        assert [(r.id, r.user, r.party, r.client) for r in records] == [
            (first, "sam", "both", "10.0.0.9"),
            (second, "kim", "caller", None),
        ]
        assert (records[0].frames_sent, records[0].frames_dropped) == (500, 3)
        assert records[0].stopped_at is not None and records[1].stopped_at is None
        assert dataclasses.asdict(records[1])["frames_sent"] == 0
    finally:
        await store.close()
