"""CallEnricher against the real MariaDB: what reaches `update_call`, and when."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from vicidial_testkit import SHORT_FOLLOW_UP, MariaDB, RecordedUpdates, eventually

from vicidial import CallEnricher, ViciDialDirectory, encode_call_uuid

FAST = (0, 0.05, 0.05, 0.05, 0.05, 0.05)


@pytest.fixture
async def directory(mariadb: MariaDB) -> AsyncIterator[ViciDialDirectory]:
    directory = ViciDialDirectory(mariadb.settings())
    yield directory
    await directory.close()


@pytest.fixture
async def updates() -> RecordedUpdates:
    return RecordedUpdates()


@pytest.fixture
async def enricher(directory: ViciDialDirectory, updates: RecordedUpdates) -> AsyncIterator[CallEnricher]:
    enricher = CallEnricher(
        directory,
        updates,
        retry_delays=FAST,
        after_call_delay=0.05,
        **{**SHORT_FOLLOW_UP, "wrapup_window_s": 30.0},
    )
    yield enricher
    await enricher.close()


async def test_audiosocket_call_gets_agent_campaign_in_group_and_recording(
    enricher: CallEnricher, updates: RecordedUpdates
) -> None:
    call_id = encode_call_uuid("1716912345.4821")
    enricher.on_call_started(call_id, {})
    await eventually(lambda: updates.last(call_id) is not None, "the first update")
    assert updates.last(call_id) == {
        "agent": "6001",
        "agent_name": "Maria Lopez",
        "caller_number": "3125550147",
        "campaign": "INBND",
        "in_group": "SUPPORT_EN",
        "metadata": {
            "vicidial_uniqueid": "1716912345.4821",
            "direction": "inbound",
            "lead_id": "100231",
            "status": "CALLBK",
            "length_in_sec": "312",
            "queue_seconds": "14.5",
            "term_reason": "CALLER",
            "recording_url": "http://10.0.0.5/RECORDINGS/MP3/20240528-160600_3125550147_6001-all.mp3",
        },
    }
    enricher.on_call_ended(call_id)
    await eventually(lambda: call_id not in enricher.following, "the follow-up to finish")
    assert len(updates.for_call(call_id)) == 1  # the after-call look-up found nothing new


async def test_twilio_call_with_a_uniqueid_parameter_keeps_its_own_metadata(
    enricher: CallEnricher, updates: RecordedUpdates
) -> None:
    call_id = "CA5f0c7b7a1e0a4a3db2c1c0ffee000001"
    enricher.on_call_started(call_id, {"vicidial_uniqueid": "1716914000.5001", "stream_sid": "MZ42"})
    await eventually(lambda: updates.last(call_id) is not None, "the update")
    fields = updates.last(call_id)
    assert fields is not None
    assert (fields["agent"], fields["campaign"]) == ("6004", "OUTSALES")
    assert "agent_name" not in fields and "in_group" not in fields
    assert fields["metadata"]["stream_sid"] == "MZ42"
    assert fields["metadata"]["direction"] == "outbound"


async def test_fallback_through_the_live_agents_channel(
    enricher: CallEnricher, updates: RecordedUpdates
) -> None:
    enricher.on_call_started("CA-fallback", {"channel": "SIP/carrier-00000a1f"})
    await eventually(lambda: updates.last("CA-fallback") is not None, "the update")
    fields = updates.last("CA-fallback")
    assert fields is not None
    assert fields["metadata"]["vicidial_uniqueid"] == "1716912345.4821"
    assert fields["agent"] == "6001"


async def test_a_call_followed_from_queue_to_hangup(
    mariadb: MariaDB, enricher: CallEnricher, updates: RecordedUpdates
) -> None:
    uniqueid, call_id = "1716920000.7000", encode_call_uuid("1716920000.7000")
    admin = mariadb.admin()
    with admin.cursor() as cursor:
        cursor.execute(
            "INSERT INTO vicidial_closer_log (lead_id, campaign_id, call_date, length_in_sec, status,"
            " phone_number, user, queue_seconds, term_reason, uniqueid) VALUES (100600, 'SALES',"
            " '2024-05-28 18:13:20', 0, 'QUEUE', '3125550160', 'VDCL', 0, 'NONE', %s)",
            (uniqueid,),
        )
    enricher.on_call_started(call_id, {})
    await eventually(lambda: updates.last(call_id) is not None, "the queued call's update")
    queued = updates.last(call_id)
    assert queued is not None and "agent" not in queued and queued["in_group"] == "SALES"

    with admin.cursor() as cursor:  # an agent answers: the follow-up keeps looking until it sees one
        cursor.execute(
            "UPDATE vicidial_closer_log SET user = '6002', status = 'INCALL', queue_seconds = 6.5 WHERE uniqueid = %s",
            (uniqueid,),
        )
    await eventually(lambda: (updates.last(call_id) or {}).get("agent") == "6002", "the agent")
    answered = updates.last(call_id)
    assert answered is not None
    assert (answered["agent_name"], answered["campaign"]) == ("Tom Becker", "INBND")
    assert "status" not in answered["metadata"]  # INCALL is not a disposition
    assert answered["metadata"]["queue_seconds"] == "6.5"

    with admin.cursor() as cursor:  # hang-up: the placeholder DISPO with the length
        cursor.execute(
            "UPDATE vicidial_closer_log SET status = 'DISPO', length_in_sec = 200 WHERE uniqueid = %s",
            (uniqueid,),
        )
    enricher.on_call_ended(call_id)
    await eventually(
        lambda: (updates.last(call_id) or {}).get("metadata", {}).get("length_in_sec") == "200", "the length"
    )
    hung_up = updates.last(call_id)
    assert hung_up is not None and "status" not in hung_up["metadata"]
    assert "term_reason" not in hung_up["metadata"]  # still the column default NONE
    assert call_id in enricher.following  # waiting for the wrap-up

    with admin.cursor() as cursor:  # the agent submits wrap-up, later
        cursor.execute(
            "UPDATE vicidial_closer_log SET status = 'SALE', term_reason = 'CALLER' WHERE uniqueid = %s",
            (uniqueid,),
        )
    await eventually(lambda: call_id not in enricher.following, "the follow-up to finish")
    final = updates.last(call_id)
    assert final is not None
    assert (
        final["metadata"]["status"],
        final["metadata"]["length_in_sec"],
        final["metadata"]["term_reason"],
    ) == ("SALE", "200", "CALLER")
    admin.close()


async def test_calls_without_any_vicidial_key_are_left_alone(
    enricher: CallEnricher, updates: RecordedUpdates
) -> None:
    enricher.on_call_started("6f1c1a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", {"caller": "+13125550147"})
    assert enricher.following == frozenset()
    enricher.on_call_ended("6f1c1a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b")
    assert updates.updates == []


async def test_a_call_vicidial_never_logged_gets_no_update(
    enricher: CallEnricher, updates: RecordedUpdates, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="vicidial")
    call_id = encode_call_uuid("1716919999.9999")
    enricher.on_call_started(call_id, {})
    enricher.on_call_ended(call_id)
    await eventually(lambda: call_id not in enricher.following, "the follow-up to give up")
    assert updates.for_call(call_id) == []
    assert any("no record of call" in record.getMessage() for record in caplog.records)


async def test_a_failing_store_is_retried_on_the_next_attempt(
    directory: ViciDialDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    stored: list[Mapping[str, Any]] = []

    async def flaky_update(call_id: str, fields: Mapping[str, Any]) -> None:
        if not caplog.records:  # the store is not ready on the first try (call row not written yet)
            raise LookupError(f"no call {call_id}")
        stored.append(fields)

    enricher = CallEnricher(
        directory, flaky_update, retry_delays=FAST, after_call_delay=0.05, **SHORT_FOLLOW_UP
    )
    try:
        enricher.on_call_started(encode_call_uuid("1716916000.5200"), {})
        await eventually(lambda: bool(stored), "the retried store")
        assert stored[0]["in_group"] == "CLOSERS" and stored[0]["campaign"] == "OUTSALES"
        assert any("could not store" in record.getMessage() for record in caplog.records)
    finally:
        await enricher.close()


async def test_close_stops_following_calls_that_never_ended(enricher: CallEnricher) -> None:
    enricher.on_call_started(encode_call_uuid("1716912345.4821"), {})
    enricher.on_call_started(encode_call_uuid("1716919999.9998"), {})
    assert len(enricher.following) == 2
    await enricher.close()
    assert enricher.following == frozenset()


async def test_backfill_of_a_call_already_over(enricher: CallEnricher, updates: RecordedUpdates) -> None:
    dropped = encode_call_uuid("1716915000.5100")
    assert await enricher.enrich_stored_call(dropped, {}) is True
    fields = updates.last(dropped)
    assert fields is not None and "agent" not in fields
    assert (fields["metadata"]["status"], fields["metadata"]["term_reason"]) == ("DROP", "ABANDON")
    assert await enricher.enrich_stored_call(encode_call_uuid("1716919999.9997"), {}) is False
    assert await enricher.enrich_stored_call("CA-without-uniqueid", {}) is False
