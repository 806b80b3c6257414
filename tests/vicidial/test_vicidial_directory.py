"""ViciDialDirectory against a real MariaDB holding ViciDial's tables and rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from vicidial_testkit import MariaDB, free_port

from vicidial import CallInfo, ViciDialDirectory
from vicidial.records import AgentLeg, Recording
from vicidial.uniqueid import encode_call_uuid, resolve_uniqueid


@pytest.fixture
async def directory(mariadb: MariaDB) -> AsyncIterator[ViciDialDirectory]:
    directory = ViciDialDirectory(mariadb.settings())
    yield directory
    await directory.close()


async def test_inbound_call_from_closer_log_with_agent_name_campaign_and_recording(
    directory: ViciDialDirectory,
) -> None:
    info = await directory.lookup_call("1716912345.4821")
    assert info == CallInfo(
        uniqueid="1716912345.4821",
        direction="inbound",
        agent="6001",
        agent_name="Maria Lopez",
        caller_number="3125550147",
        campaign="INBND",  # the campaign 6001 is logged into
        in_group="SUPPORT_EN",
        lead_id=100231,
        status="CALLBK",
        length_in_sec=312,
        queue_seconds=14.5,
        term_reason="CALLER",
        call_date=datetime(2024, 5, 28, 16, 5, 46),
        closecallid=9001,
        recording_url="http://10.0.0.5/RECORDINGS/MP3/20240528-160600_3125550147_6001-all.mp3",
        legs=(AgentLeg("6001", "Maria Lopez", "SUPPORT_EN", "CALLBK", 312, closecallid=9001),),
        recordings=(
            Recording(
                filename="20240528-160600_3125550147_6001",
                url="http://10.0.0.5/RECORDINGS/MP3/20240528-160600_3125550147_6001-all.mp3",
                url_final=True,
                vicidial_id="9001",
                user="6001",
                start_time=datetime(2024, 5, 28, 16, 6),
            ),
        ),
        status_final=True,
    )


async def test_several_closer_log_rows_the_newest_wins(directory: ViciDialDirectory) -> None:
    info = await directory.lookup_call("1716913000.4900")
    assert info is not None
    assert (info.in_group, info.agent, info.agent_name, info.status) == (
        "BILLING",
        "6006",
        "Priya Nair",
        "PAID",
    )
    assert info.closecallid == 9003
    assert info.campaign is None  # 6006 logged out; no outbound leg
    assert info.recording_url is None


async def test_outbound_call_agent_without_full_name_and_recording_found_by_lead(
    directory: ViciDialDirectory,
) -> None:
    info = await directory.lookup_call("1716914000.5001")
    assert info is not None
    assert (info.direction, info.agent, info.agent_name) == ("outbound", "6004", None)
    assert (info.campaign, info.in_group, info.caller_number) == ("OUTSALES", None, "3125550199")
    assert (info.status, info.length_in_sec, info.term_reason, info.queue_seconds) == (
        "NI",
        95,
        "AGENT",
        None,
    )
    # The location is still empty (the audio cron has not run): built in ViciDial's
    # default layout, not final; the lead's next-day recording is not taken.
    assert info.recording_url == "http://recordings.test/RECORDINGS/MP3/20240528-163325_3125550199-all.mp3"
    assert not info.recordings_final


async def test_dialer_dropped_call_has_no_agent(directory: ViciDialDirectory) -> None:
    info = await directory.lookup_call("1716915000.5100")
    assert info is not None
    assert (info.agent, info.agent_name, info.status, info.term_reason) == (None, None, "DROP", "ABANDON")
    assert "agent" not in info.call_fields()


async def test_outbound_call_transferred_to_closer_keeps_its_campaign(directory: ViciDialDirectory) -> None:
    info = await directory.lookup_call("1716916000.5200")
    assert info is not None
    assert (info.direction, info.campaign, info.in_group) == ("inbound", "OUTSALES", "CLOSERS")
    assert (info.agent, info.agent_name, info.status) == ("6002", "Tom Becker", "SALE")


async def test_unknown_and_malformed_uniqueids_are_not_found(directory: ViciDialDirectory) -> None:
    assert await directory.lookup_call("1716919999.9999") is None
    assert await directory.lookup_call("1716919999.9999' OR '1'='1") is None
    assert await directory.lookup_call("") is None


async def test_audiosocket_uuid_from_the_dialplan_leads_to_the_call(directory: ViciDialDirectory) -> None:
    call_id = encode_call_uuid("1716912345.4821")
    uniqueid = resolve_uniqueid(call_id, {})
    assert uniqueid is not None
    info = await directory.lookup_call(uniqueid)
    assert info is not None and info.agent == "6001"


async def test_live_agents_with_names(directory: ViciDialDirectory) -> None:
    agents = {agent.user: agent for agent in await directory.live_agents()}
    assert sorted(agents) == ["6001", "6002", "6003", "6005"]
    busy = agents["6001"]
    assert (busy.full_name, busy.status, busy.campaign, busy.uniqueid) == (
        "Maria Lopez",
        "INCALL",
        "INBND",
        "1716912345.4821",
    )
    assert (busy.channel, busy.callerid, busy.lead_id, busy.calls_today) == (
        "SIP/carrier-00000a1f",
        "Y5281605450000100231",
        100231,
        17,
    )
    assert (agents["6002"].status, agents["6002"].uniqueid, agents["6002"].lead_id) == ("READY", None, None)
    assert agents["6005"].full_name is None


async def test_find_uniqueid_by_channel_or_callerid(directory: ViciDialDirectory) -> None:
    assert await directory.find_uniqueid(channel="SIP/carrier-00000a1f") == "1716912345.4821"
    assert await directory.find_uniqueid(callerid="V5281723200000100400") == "1716917000.5300"
    assert await directory.find_uniqueid(channel="SIP/nobody-00000000", callerid="V0") is None
    assert await directory.find_uniqueid() is None
    assert await directory.find_uniqueid(channel="") is None  # idle agents have channel ''


async def test_found_calls_are_cached_and_a_fresh_look_up_sees_changes(mariadb: MariaDB) -> None:
    admin = mariadb.admin()
    with admin.cursor() as cursor:
        cursor.execute(
            "INSERT INTO vicidial_closer_log (lead_id, campaign_id, call_date, length_in_sec, status,"
            " phone_number, user, queue_seconds, uniqueid)"
            " VALUES (100500, 'SUPPORT_EN', '2024-05-28 18:00:00', 0, 'QUEUE', '3125550111', 'VDCL', 0, '1716919200.6000')"
        )
    directory = ViciDialDirectory(mariadb.settings())
    try:
        queued = await directory.lookup_call("1716919200.6000")
        # QUEUE is a placeholder and queue_seconds 0 a queue-time default: both unknown yet.
        assert queued is not None and queued.agent is None and queued.status is None
        assert queued.queue_seconds is None and not queued.status_final
        with admin.cursor() as cursor:
            cursor.execute(
                "UPDATE vicidial_closer_log SET user = '6003', status = 'INCALL', queue_seconds = 8"
                " WHERE uniqueid = '1716919200.6000'"
            )
        assert await directory.lookup_call("1716919200.6000") == queued  # from the cache
        answered = await directory.lookup_call("1716919200.6000", use_cache=False)
        assert answered is not None
        assert (answered.agent, answered.agent_name, answered.status, answered.campaign) == (
            "6003",
            "Aisha Khan",
            None,
            "INBND",
        )
        assert answered.queue_seconds == 8
    finally:
        await directory.close()
        admin.close()


async def test_calls_not_yet_logged_are_not_cached(mariadb: MariaDB) -> None:
    directory = ViciDialDirectory(mariadb.settings())
    admin = mariadb.admin()
    try:
        assert await directory.lookup_call("1716919300.6100") is None
        with admin.cursor() as cursor:
            cursor.execute(
                "INSERT INTO vicidial_log (uniqueid, lead_id, campaign_id, call_date, length_in_sec, status,"
                " phone_number, user) VALUES ('1716919300.6100', 100501, 'OUTSALES', '2024-05-28 18:01:40',"
                " 0, 'INCALL', '3125550112', '6005')"
            )
        found = await directory.lookup_call("1716919300.6100")
        assert found is not None and found.agent == "6005" and found.agent_name is None
    finally:
        await directory.close()
        admin.close()


async def test_the_replica_is_preferred(mariadb: MariaDB) -> None:
    # The primary does not exist: every answer must come from the replica.
    settings = mariadb.settings(port=free_port(), replica_host="127.0.0.1", replica_port=mariadb.port)
    directory = ViciDialDirectory(settings)
    try:
        info = await directory.lookup_call("1716912345.4821")
        assert info is not None and info.in_group == "SUPPORT_EN"
    finally:
        await directory.close()


async def test_a_dead_replica_falls_back_to_the_primary_with_one_warning(
    mariadb: MariaDB, caplog: pytest.LogCaptureFixture
) -> None:
    settings = mariadb.settings(replica_host="127.0.0.1", replica_port=free_port())
    directory = ViciDialDirectory(settings)
    try:
        for uniqueid in ("1716912345.4821", "1716914000.5001", "1716915000.5100"):
            assert await directory.lookup_call(uniqueid) is not None
    finally:
        await directory.close()
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and r.name.startswith("vicidial")]
    assert len(warnings) == 1
    assert "replica" in warnings[0].getMessage() and "next server" in warnings[0].getMessage()


async def test_the_read_only_account_cannot_write(mariadb: MariaDB) -> None:
    """The README's GRANT is SELECT only: prove the fixture's account matches it."""
    import pymysql

    connection = pymysql.connect(
        host="127.0.0.1", port=mariadb.port, user="callmon", password="callmon-test-pw", database="asterisk"
    )
    try:
        with connection.cursor() as cursor, pytest.raises(pymysql.err.OperationalError, match="denied"):
            cursor.execute("DELETE FROM vicidial_log")
    finally:
        connection.close()
