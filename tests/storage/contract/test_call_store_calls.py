"""CallStore: calls and call events round-trip on both backends (real SQLite file, real PostgreSQL)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from ingest.events import CallEnded, CallStarted, TranscriptSegment
from ingest.storage import CallStore


async def test_call_round_trip_survives_reopening(database_url: str) -> None:
    store = await CallStore.open(database_url)
    started = await store.start_call(
        CallStarted("c1", "twilio", started_at=1000.0, metadata={"callSid": "CA1"})
    )
    assert (started.call_id, started.source, started.status) == ("c1", "twilio", "active")
    assert started.started_at == 1000.0 and started.metadata == {"callSid": "CA1"}
    await store.close()

    reopened = await CallStore.open(database_url)
    try:
        assert await reopened.get_call("c1") == started
        assert await reopened.get_call("nope") is None
    finally:
        await reopened.close()


async def test_second_leg_merges_metadata_and_keeps_counters(
    store: CallStore, make_segment: Callable[..., TranscriptSegment]
) -> None:
    await store.start_call(
        CallStarted("c1", "audiosocket", started_at=100.0, metadata={"leg": "agent", "a": "1"})
    )
    await store.add_segment(make_segment("c1", sentiment_score=-0.6, sentiment_label="negative"))
    again = await store.start_call(
        CallStarted("c1", "audiosocket", started_at=105.0, metadata={"leg": "caller", "b": "2"})
    )
    assert again.segment_count == 1 and again.negative_count == 1
    assert again.started_at == 100.0
    assert again.metadata == {"leg": "caller", "a": "1", "b": "2"}


async def test_reconnect_after_end_reopens_the_call(store: CallStore) -> None:
    await store.start_call(CallStarted("c1", "audiosocket", started_at=100.0, metadata={"agent_id": "alice"}))
    await store.end_call(CallEnded("c1", "eof", ended_at=110.0))
    reopened = await store.start_call(
        CallStarted("c1", "audiosocket", started_at=111.0, metadata={"agent_id": "mallory", "leg": "caller"})
    )
    assert reopened.status == "active"
    assert reopened.ended_at is None and reopened.duration is None
    assert reopened.started_at == 100.0
    # A finished call's stored parameters stand; a late start only adds new ones.
    assert reopened.metadata == {"agent_id": "alice", "leg": "caller"}


async def test_end_call_sets_duration_and_is_idempotent(store: CallStore) -> None:
    await store.start_call(CallStarted("c1", "twilio", started_at=100.0))
    ended = await store.end_call(CallEnded("c1", "stop", ended_at=142.5))
    assert (ended.status, ended.ended_at, ended.duration) == ("ended", 142.5, 42.5)
    again = await store.end_call(CallEnded("c1", "eof", ended_at=150.0))
    assert again == ended
    rows = await store.list_calls(status="ended")
    assert [c.call_id for c in rows] == ["c1"]


async def test_records_for_an_unstarted_call_are_kept(
    store: CallStore, make_segment: Callable[..., TranscriptSegment]
) -> None:
    stored = await store.add_segment(make_segment("ghost", created_at=500.0))
    call = await store.get_call("ghost")
    assert call is not None and call.source == "unknown" and call.segment_count == 1
    assert (await store.list_segments("ghost")) == [stored]
    # The real start arriving late fills in the source without losing anything.
    late = await store.start_call(CallStarted("ghost", "twilio", started_at=490.0))
    assert (late.source, late.started_at, late.segment_count) == ("twilio", 490.0, 1)


async def test_update_call_sets_fields_and_merges_metadata(store: CallStore) -> None:
    await store.start_call(CallStarted("c1", "audiosocket", metadata={"uniqueid": "1700000000.1"}))
    updated = await store.update_call(
        "c1",
        agent="6001",
        agent_name="Ann Agent",
        caller_number="+15550100",
        campaign="SALES",
        in_group="SUPPORT_EN",
        language="es",
        metadata={"lead_id": "42"},
    )
    assert (updated.agent, updated.agent_name, updated.caller_number) == (
        "6001",
        "Ann Agent",
        "+15550100",
    )
    assert (updated.campaign, updated.in_group, updated.language) == ("SALES", "SUPPORT_EN", "es")
    assert updated.metadata == {"uniqueid": "1700000000.1", "lead_id": "42"}
    assert await store.get_call("c1") == updated


async def test_update_call_rejects_unknown_fields_and_calls(store: CallStore) -> None:
    await store.start_call(CallStarted("c1", "twilio"))
    with pytest.raises(ValueError, match="status"):
        await store.update_call("c1", status="ended")
    with pytest.raises(ValueError, match="id; "):
        await store.update_call("c1", agent="x", id="evil")
    with pytest.raises(KeyError):
        await store.update_call("missing", agent="6001")
    call = await store.get_call("c1")
    assert call is not None and call.status == "active" and call.agent is None


async def test_list_calls_newest_first_with_limit_and_status(store: CallStore) -> None:
    for n in range(5):
        await store.start_call(CallStarted(f"c{n}", "simulated", started_at=1000.0 + n))
    await store.end_call(CallEnded("c3", "hangup", ended_at=2000.0))
    assert [c.call_id for c in await store.list_calls()] == ["c4", "c3", "c2", "c1", "c0"]
    assert [c.call_id for c in await store.list_calls(limit=2)] == ["c4", "c3"]
    assert [c.call_id for c in await store.list_calls(status="active")] == ["c4", "c2", "c1", "c0"]
    assert [c.call_id for c in await store.list_calls(status="ended")] == ["c3"]


async def test_call_events_round_trip_in_order(store: CallStore) -> None:
    await store.start_call(CallStarted("c1", "audiosocket"))
    await store.add_call_event("c1", "leg_ended", {"speaker": "agent", "reason": "eof"}, at=20.0)
    await store.add_call_event("c1", "dtmf", {"digit": "5", "speaker": "caller"}, at=10.0)
    await store.add_call_event("c1", "error", {"code": 2, "description": "frame forwarding"}, at=30.0)
    events = await store.list_call_events("c1")
    assert [(e["kind"], e["at"]) for e in events] == [
        ("dtmf", 10.0),
        ("leg_ended", 20.0),
        ("error", 30.0),
    ]
    assert events[0]["payload"] == {"digit": "5", "speaker": "caller"}
    assert events[2]["payload"]["code"] == 2
    assert all(e["call_id"] == "c1" and isinstance(e["id"], int) for e in events)


async def test_agent_stats_over_recent_calls(
    store: CallStore, make_segment: Callable[..., TranscriptSegment]
) -> None:
    now = time.time()
    plan = [
        ("a1", "6001", now - 3600, [0.8, -0.4], 2),
        ("a2", "6001", now - 7200, [0.2], 0),
        ("b1", "6002", now - 600, [-0.9], 1),
        ("old", "6001", now - 30 * 86400, [1.0], 5),
    ]
    for call_id, agent, started_at, scores, alerts in plan:
        await store.start_call(CallStarted(call_id, "simulated", started_at=started_at))
        await store.update_call(call_id, agent=agent, agent_name=f"Agent {agent}")
        for score in scores:
            label = "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"
            await store.add_segment(make_segment(call_id, sentiment_score=score, sentiment_label=label))
        for _ in range(alerts):
            await store.count_alert(call_id)
        await store.end_call(CallEnded(call_id, "hangup", ended_at=started_at + 60))
    await store.start_call(CallStarted("live", "simulated", started_at=now - 10))
    await store.update_call("live", agent="6002")

    stats = {row["agent"]: row for row in await store.agent_stats(days=7)}
    assert set(stats) == {"6001", "6002"}
    ann = stats["6001"]
    assert (ann["calls"], ann["segments"], ann["alerts"]) == (2, 3, 2)
    assert (ann["positive_segments"], ann["negative_segments"]) == (2, 1)
    assert ann["avg_sentiment"] == pytest.approx((0.8 - 0.4 + 0.2) / 3)
    assert ann["avg_duration"] == pytest.approx(60)
    assert ann["agent_name"] == "Agent 6001"
    bob = stats["6002"]
    assert (bob["calls"], bob["alerts"], bob["negative_segments"]) == (2, 1, 1)
    assert bob["avg_sentiment"] == pytest.approx(-0.9)
    assert bob["avg_duration"] == pytest.approx(60)  # the live call has no duration yet
    assert {row["agent"] for row in await store.agent_stats(days=60)} == {"6001", "6002"}
    assert (await store.agent_stats(days=60))[0]["calls"] == 3


async def test_delete_call_removes_its_segments_and_events(
    store: CallStore, make_segment: Callable[..., TranscriptSegment]
) -> None:
    await store.start_call(CallStarted("c1", "twilio"))
    await store.add_segment(make_segment("c1"))
    await store.add_call_event("c1", "dtmf", {"digit": "1"}, at=1.0)
    assert await store.delete_call("c1") is True
    assert await store.delete_call("c1") is False
    assert await store.get_call("c1") is None
    assert await store.list_segments("c1") == []
    assert await store.list_call_events("c1") == []


async def test_a_call_is_stored_with_its_owner_in_one_write(store: CallStore) -> None:
    """The start and the owning worker land together (a worker killed between two
    writes left an active call no worker's recovery claimed); a reconnect taken by
    another worker moves the call to it."""
    await store.start_call(CallStarted("owned", "audiosocket"), worker_id="w1")
    await store.start_call(CallStarted("unowned", "audiosocket"))
    assert [call.call_id for call in await store.active_calls_of("w1")] == ["owned"]
    assert [call.call_id for call in await store.active_calls_of(None)] == ["unowned"]
    await store.start_call(CallStarted("owned", "audiosocket"), worker_id="w2")
    assert [call.call_id for call in await store.active_calls_of("w2")] == ["owned"]
    assert await store.active_calls_of("w1") == []
