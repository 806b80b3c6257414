"""A call's whole life in ViciDial's tables, and what callmon stores at each step.

| look-up           | status          | term_reason | recording URL                      |
|-------------------|-----------------|-------------|------------------------------------|
| at hang-up        | unknown (DISPO) | unknown     | built from the bare filename, open |
| after wrap-up     | the disposition | the reason  | built, still open                  |
| after audio cron  | the disposition | the reason  | ViciDial's own URL, final          |
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from vicidial_testkit import SHORT_FOLLOW_UP, MariaDB, RecordedUpdates, eventually, free_port
from vicidial_writes import ViciDialWrites

from vicidial import CallEnricher, ViciDialDirectory
from vicidial.uniqueid import encode_call_uuid

BASE = "http://recordings.test/RECORDINGS/MP3"


@pytest.fixture(scope="module")
def mariadb(mariadb_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDB]:
    """A server of this module's own: these tests move live agents and add rows."""
    root = tmp_path_factory.mktemp("vdlife")
    shutil.copytree(mariadb_template, root / "data")
    server = MariaDB(root / "data", free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def writes(mariadb: MariaDB) -> AsyncIterator[ViciDialWrites]:
    admin = mariadb.admin()
    yield ViciDialWrites(admin)
    admin.close()


@pytest.fixture
async def directory(mariadb: MariaDB) -> AsyncIterator[ViciDialDirectory]:
    directory = ViciDialDirectory(mariadb.settings())
    yield directory
    await directory.close()


def metadata(updates: RecordedUpdates, call_id: str) -> dict[str, str]:
    return dict((updates.last(call_id) or {}).get("metadata", {}))


async def test_a_call_is_followed_through_wrap_up_and_the_audio_cron(
    directory: ViciDialDirectory, writes: ViciDialWrites
) -> None:
    uniqueid = "1716930000.8000"
    call_id = encode_call_uuid(uniqueid)
    updates = RecordedUpdates()
    enricher = CallEnricher(
        directory,
        updates,
        retry_delays=(0, 0.05, 0.05),
        after_call_delay=0.05,
        **{**SHORT_FOLLOW_UP, "wrapup_window_s": 60.0, "recording_window_s": 60.0},
    )
    at = datetime(2024, 5, 28, 21, 0, 0)
    closecallid = writes.queue_inbound(uniqueid, 100700, "SUPPORT_EN", "3125550170", at)
    writes.pick_up(closecallid, "6003", 4.25, uniqueid, 100700)
    recording = writes.start_recording(
        str(closecallid), 100700, "6003", at, "20240528-210004_3125550170_6003"
    )
    enricher.on_call_started(call_id, {})
    await eventually(lambda: metadata(updates, call_id).get("queue_seconds") == "4.25", "the pick-up")

    writes.hang_up(closecallid, 95, recording, "6003")
    enricher.on_call_ended(call_id)
    await eventually(lambda: metadata(updates, call_id).get("length_in_sec") == "95", "the hang-up")
    at_hang_up = metadata(updates, call_id)
    assert "status" not in at_hang_up and "term_reason" not in at_hang_up  # DISPO and NONE: unknown
    assert at_hang_up["recording_url"] == f"{BASE}/20240528-210004_3125550170_6003-all.mp3"

    writes.wrap_up(closecallid, "NI", "CALLER")
    await eventually(lambda: metadata(updates, call_id).get("status") == "NI", "the disposition")
    assert metadata(updates, call_id)["term_reason"] == "CALLER"
    assert call_id in enricher.following  # the recording's URL is not ViciDial's yet

    url = writes.audio_cron(recording, "http://10.0.0.5/RECORDINGS/MP3", "2024-05-28/")
    await eventually(lambda: call_id not in enricher.following, "the follow-up to finish")
    assert metadata(updates, call_id)["recording_url"] == url
    await enricher.close()


async def test_the_follow_up_gives_up_after_its_windows(
    directory: ViciDialDirectory, writes: ViciDialWrites
) -> None:
    uniqueid = "1716930100.8100"
    call_id = encode_call_uuid(uniqueid)
    updates = RecordedUpdates()
    enricher = CallEnricher(directory, updates, retry_delays=(0,), after_call_delay=0.05, **SHORT_FOLLOW_UP)
    at = datetime(2024, 5, 28, 21, 1, 40)
    closecallid = writes.queue_inbound(uniqueid, 100701, "SUPPORT_EN", "3125550171", at)
    writes.pick_up(closecallid, "6003", 2, uniqueid, 100701)
    writes.hang_up(closecallid, 30, None, "6003")  # the agent never submits wrap-up
    enricher.on_call_started(call_id, {})
    enricher.on_call_ended(call_id)
    await eventually(lambda: call_id not in enricher.following, "the windows to pass")
    assert "status" not in metadata(updates, call_id)
    assert metadata(updates, call_id)["length_in_sec"] == "30"


@pytest.mark.parametrize(
    ("layout", "folder"),
    [("plain", ""), ("YYYY-MM-DD", "2024-05-29/"), ("YYYY/MM/DD", "2024/05/29/")],
)
async def test_a_url_is_built_only_from_a_bare_filename_in_vicidials_layouts(
    mariadb: MariaDB, writes: ViciDialWrites, layout: str, folder: str
) -> None:
    uniqueid = f"171694079{len(folder) % 10}.81{len(folder):02d}"
    # Queued just before midnight, recorded just after: the folder is the recording's date.
    at = datetime(2024, 5, 28, 23, 59, 50)
    closecallid = writes.queue_inbound(uniqueid, 100702, "SUPPORT_EN", "3125550172", at)
    recording = writes.start_recording(
        str(closecallid), 100702, "6003", datetime(2024, 5, 29, 0, 0, 5), f"rec_{layout.replace('/', '')}"
    )
    writes.stop_recording(recording)
    directory = ViciDialDirectory(mariadb.settings(recordings_layout=layout))
    try:
        info = await directory.lookup_call(uniqueid)
        assert info is not None
        assert info.recording_url == f"{BASE}/{folder}rec_{layout.replace('/', '')}-all.mp3"
        assert not info.recordings_final
        with writes.admin.cursor() as cursor:  # a path is not a bare filename: no guess
            cursor.execute(
                "UPDATE recording_log SET location = '/var/spool/asterisk/monitorDONE/x.wav'"
                " WHERE recording_id = %s",
                (recording,),
            )
        again = await directory.lookup_call(uniqueid, use_cache=False)
        assert again is not None and again.recording_url is None
    finally:
        await directory.close()


async def test_every_agent_leg_of_a_transferred_call_is_linked(
    directory: ViciDialDirectory, writes: ViciDialWrites
) -> None:
    uniqueid = "1716930200.8200"
    at = datetime(2024, 5, 28, 21, 3, 20)
    first = writes.queue_inbound(uniqueid, 100703, "SALES", "7735550199", at)
    writes.pick_up(first, "6002", 3, uniqueid, 100703)
    first_recording = writes.start_recording(
        str(first), 100703, "6002", at, "20240528-210323_7735550199_6002"
    )
    writes.stop_recording(first_recording)
    second = writes.transfer(
        first, uniqueid, 100703, "BILLING", "7735550199", datetime(2024, 5, 28, 21, 5, 0)
    )
    writes.pick_up(second, "6006", 12.5, uniqueid, 100703)
    second_recording = writes.start_recording(
        str(second), 100703, "6006", datetime(2024, 5, 28, 21, 5, 13), "20240528-210513_7735550199_6006"
    )
    writes.hang_up(second, 140, second_recording, "6006")
    writes.wrap_up(second, "PAID", "CALLER")

    info = await directory.lookup_call(uniqueid)
    assert info is not None
    assert [(leg.agent, leg.agent_name, leg.in_group, leg.status) for leg in info.legs] == [
        ("6002", "Tom Becker", "SALES", "XFER"),
        ("6006", "Priya Nair", "BILLING", "PAID"),
    ]
    assert (info.agent, info.in_group, info.status, info.status_final) == ("6006", "BILLING", "PAID", True)
    assert [r.vicidial_id for r in info.recordings] == [str(first), str(second)]
    fields = info.call_fields()["metadata"]
    assert fields["agents"] == "6002 (Tom Becker) [SALES, XFER]; 6006 (Priya Nair) [BILLING, PAID]"
    assert fields["recording_urls"].split() == [
        f"{BASE}/20240528-210323_7735550199_6002-all.mp3",
        f"{BASE}/20240528-210513_7735550199_6006-all.mp3",
    ]


async def test_a_manual_dial_recording_is_found_by_its_caller_code(
    directory: ViciDialDirectory, writes: ViciDialWrites
) -> None:
    at = datetime(2024, 5, 28, 21, 10, 0)
    # Two manual dials to the same lead a minute apart: only the caller code tells them apart.
    writes.manual_dial("1716930600.8300", "M5282110000000100704", 100704, "6005", "6305550104", at)
    writes.manual_dial(
        "1716930660.8301",
        "M5282111000000100704",
        100704,
        "6001",
        "6305550104",
        datetime(2024, 5, 28, 21, 11, 0),
    )
    info = await directory.lookup_call("1716930660.8301", callerid="M5282111000000100704")
    assert info is not None and info.direction == "outbound" and info.status is None  # INCALL
    assert [r.vicidial_id for r in info.recordings] == ["M5282111000000100704"]
    # Without the code in the call's metadata: the agent's live row still has it.
    found = await directory.lookup_call("1716930600.8300", use_cache=False)
    assert found is not None and found.caller_code == "M5282110000000100704"
    assert [r.vicidial_id for r in found.recordings] == ["M5282110000000100704"]


async def test_the_schema_behaves_like_vicidials(mariadb: MariaDB, writes: ViciDialWrites) -> None:
    with writes.admin.cursor() as cursor:
        cursor.execute(
            "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA"
            " WHERE SCHEMA_NAME = 'asterisk'"
        )
        assert cursor.fetchone() == ("utf8mb3", "utf8mb3_unicode_ci")  # MariaDB's name for utf8
        cursor.execute(
            "SELECT DISTINCT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'asterisk'"
        )
        assert cursor.fetchall() == (("MyISAM",),)
        cursor.execute(
            "UPDATE vicidial_live_agents SET last_update_time = '2024-01-01 00:00:00' WHERE user = '6003'"
        )
        cursor.execute("UPDATE vicidial_live_agents SET status = 'READY' WHERE user = '6003'")
        cursor.execute("SELECT last_update_time FROM vicidial_live_agents WHERE user = '6003'")
        (updated,) = cursor.fetchone()
    assert updated.year > 2024  # ON UPDATE CURRENT_TIMESTAMP: any change touches it
