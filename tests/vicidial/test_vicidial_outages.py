"""When ViciDial's database is down, crashes or hangs: calls go on, one warning, retries win later."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from vicidial_testkit import SHORT_FOLLOW_UP, MariaDB, RecordedUpdates, eventually, vicidial_warnings

from vicidial import CallEnricher, ViciDialDirectory, ViciDialError, encode_call_uuid
from vicidial.database import ViciDialDatabase

RETRY_OFTEN = (0,) + (0.2,) * 300


def still_failing(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The retries that found the database still down (logged quietly, at debug)."""
    return [r.getMessage() for r in caplog.records if "still failing" in r.getMessage()]


async def test_database_down_at_start_warns_once_and_enriches_when_it_comes_up(
    new_mariadb: Callable[[], MariaDB], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="vicidial")  # each quiet retry is logged at debug
    server = new_mariadb()  # not started yet
    directory = ViciDialDirectory(server.settings(connect_timeout=2.0))
    updates = RecordedUpdates()
    enricher = CallEnricher(
        directory, updates, retry_delays=RETRY_OFTEN, after_call_delay=0.05, **SHORT_FOLLOW_UP
    )
    inbound, outbound = encode_call_uuid("1716912345.4821"), encode_call_uuid("1716914000.5001")
    try:
        enricher.on_call_started(inbound, {})
        enricher.on_call_started(outbound, {})
        await eventually(lambda: bool(vicidial_warnings(caplog)), "the outage warning")
        await eventually(
            lambda: len(still_failing(caplog)) >= 4, "several more failed retries for both calls"
        )
        assert updates.updates == []

        await asyncio.to_thread(server.start)
        await eventually(lambda: len({call_id for call_id, _ in updates.updates}) == 2, "both calls enriched")
    finally:
        await enricher.close()
        await directory.close()
    assert (updates.last(inbound) or {}).get("in_group") == "SUPPORT_EN"
    assert (updates.last(outbound) or {}).get("campaign") == "OUTSALES"
    warnings = vicidial_warnings(caplog)
    assert len(warnings) == 1, warnings
    assert "calls go on without ViciDial metadata" in warnings[0]
    assert any("answers again" in record.getMessage() for record in caplog.records)


async def test_server_crash_between_look_ups(
    new_mariadb: Callable[[], MariaDB], caplog: pytest.LogCaptureFixture
) -> None:
    server = new_mariadb()
    server.start()
    directory = ViciDialDirectory(server.settings(connect_timeout=2.0))
    updates = RecordedUpdates()
    enricher = CallEnricher(
        directory, updates, retry_delays=RETRY_OFTEN, after_call_delay=0.05, **SHORT_FOLLOW_UP
    )
    try:
        assert await directory.lookup_call("1716912345.4821") is not None  # the pool now holds a connection
        server.kill()
        with pytest.raises(ViciDialError):
            await directory.lookup_call("1716914000.5001")

        call_id = encode_call_uuid("1716913000.4900")
        enricher.on_call_started(call_id, {})
        await eventually(lambda: len(vicidial_warnings(caplog)) == 1, "the outage warning")
        await asyncio.to_thread(server.start)
        await eventually(lambda: updates.last(call_id) is not None, "the call enriched after the restart")
        assert (updates.last(call_id) or {}).get("in_group") == "BILLING"
        assert await directory.lookup_call("1716914000.5001", use_cache=False) is not None
    finally:
        await enricher.close()
        await directory.close()
    assert len(vicidial_warnings(caplog)) == 1


async def test_restart_behind_a_pooled_connection_is_invisible(
    new_mariadb: Callable[[], MariaDB], caplog: pytest.LogCaptureFixture
) -> None:
    server = new_mariadb()
    server.start()
    directory = ViciDialDirectory(server.settings())
    try:
        assert await directory.lookup_call("1716912345.4821") is not None
        # No await between crash and restart: the pool still believes in its connection.
        server.kill()
        server.start()
        info = await directory.lookup_call("1716914000.5001")
        assert info is not None and info.campaign == "OUTSALES"
    finally:
        await directory.close()
    assert vicidial_warnings(caplog) == []


async def test_locked_table_hits_the_query_timeout_and_the_query_is_killed(
    new_mariadb: Callable[[], MariaDB],
) -> None:
    server = new_mariadb()
    server.start()
    directory = ViciDialDirectory(server.settings(query_timeout=1.0))
    locker, observer = server.admin(), server.admin()
    try:
        with locker.cursor() as cursor:
            cursor.execute("LOCK TABLES vicidial_closer_log WRITE")
        with pytest.raises(ViciDialError, match="did not finish"):
            await directory.lookup_call("1716912345.4821")

        def waiting_callmon_queries() -> int:
            with observer.cursor() as cursor:
                cursor.execute(
                    "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                    " WHERE USER = 'callmon' AND COMMAND = 'Query'"
                )
                return int(cursor.fetchone()[0])

        await eventually(lambda: waiting_callmon_queries() == 0, "the abandoned query to be killed")
        with locker.cursor() as cursor:
            cursor.execute("UNLOCK TABLES")
        info = await directory.lookup_call("1716912345.4821")
        assert info is not None and info.agent == "6001"
    finally:
        locker.close()
        observer.close()
        await directory.close()


async def test_a_runaway_query_is_killed_on_the_server_not_just_abandoned(mariadb: MariaDB) -> None:
    # BENCHMARK stands in for a heavy scan: unlike a lock wait or SLEEP, the server
    # never checks whether the client is still there and would run it for hours.
    database = ViciDialDatabase(mariadb.settings(query_timeout=0.5))
    observer = mariadb.admin()

    def sleeping_callmon_queries() -> int:
        with observer.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                " WHERE USER = 'callmon' AND INFO LIKE '%BENCHMARK%'"
            )
            return int(cursor.fetchone()[0])

    try:
        with pytest.raises(ViciDialError, match="did not finish"):
            await database.fetch_all("SELECT BENCHMARK(1000000000000, MD5('callmon'))")
        await eventually(lambda: sleeping_callmon_queries() == 0, "the runaway query to be killed")
        assert await database.fetch_all("SELECT 1 AS one") == [{"one": 1}]
    finally:
        observer.close()
        await database.close()


async def test_slow_database_never_blocks_the_event_loop_nor_stores_garbage(
    new_mariadb: Callable[[], MariaDB], caplog: pytest.LogCaptureFixture
) -> None:
    server = new_mariadb()
    server.start()
    directory = ViciDialDirectory(server.settings(query_timeout=1.0))
    updates = RecordedUpdates()
    enricher = CallEnricher(
        directory, updates, retry_delays=RETRY_OFTEN, after_call_delay=0.05, **SHORT_FOLLOW_UP
    )
    locker = server.admin()
    echo = await asyncio.start_server(_echo, "127.0.0.1", 0)
    echo_port = echo.sockets[0].getsockname()[1]
    call_id = encode_call_uuid("1716912345.4821")
    try:
        with locker.cursor() as cursor:
            cursor.execute("LOCK TABLES vicidial_closer_log WRITE")
        enricher.on_call_started(call_id, {})
        enricher.on_call_started(encode_call_uuid("1716916000.5200"), {})
        await eventually(lambda: bool(vicidial_warnings(caplog)), "the timeout warning")
        # While look-ups hang on the lock, other I/O (audio, in production) flows.
        for _ in range(20):
            reader, writer = await asyncio.open_connection("127.0.0.1", echo_port)
            writer.write(b"\x10\x01\x40" + bytes(320))
            assert await reader.readexactly(323) == b"\x10\x01\x40" + bytes(320)
            writer.close()
        assert updates.updates == []

        with locker.cursor() as cursor:
            cursor.execute("UNLOCK TABLES")
        await eventually(lambda: len({c for c, _ in updates.updates}) == 2, "both calls enriched")
    finally:
        locker.close()
        echo.close()
        await enricher.close()
        await directory.close()
    assert all(fields.get("in_group") in {"SUPPORT_EN", "CLOSERS"} for _, fields in updates.updates)
    assert (updates.last(call_id) or {}).get("agent_name") == "Maria Lopez"
    assert len(vicidial_warnings(caplog)) == 1


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(await reader.readexactly(323))
    await writer.drain()
    writer.close()
