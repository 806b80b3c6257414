"""Issue 15 item 7: the whole fleet on loopback, with a worker and a dispatcher killed.

Real processes on one PostgreSQL database and one Redis: three `callmon ingest`
workers (each its own id, ports and spool), two `callmon dashboard`s and two
`callmon alerts` dispatchers delivering to local Slack and Resend stand-ins.
Calls with spoken legal threats (flite audio, pocketsphinx transcripts) go to
every worker; long calls stay live on two of them. Then kill -9 one worker and
one dispatcher at once, and check:

- every segment is stored once (no two rows for one call, speaker and start);
- every alert is delivered once per channel, although the killed dispatcher held
  all of them in flight (its notifier was held at a gate, so the kill lands
  between send and answer, deterministically: no at-least-once double is possible,
  the survivor takes them over and delivers each once);
- the dead worker's calls end `interrupted` within 30 s and leave calls:active;
- both dashboards, on one login session, show the same live calls before and after.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import psycopg
import pytest
import redis.asyncio as redis

from alerts.stream import group_name
from dashboard.users import UserStore
from ingest.bus.channels import ACTIVE_CALLS, ALERT_STREAM
from ingest.pipeline.recovery import INTERRUPTED
from ingest.storage.database import parse_database_url
from simulator.dialing import Target, dial_audiosocket
from simulator.scripts import parse_script
from simulator.timeline import CallAudio, render_call
from tests.fleet.fleet_kit import LiveCall
from tests.support.gated_notifier import GatedNotifier, gated_notifier
from tests.support.processes import CallmonProcess, ProcessGroup, callmon_env, process_group
from tests.support.servers import free_port
from tests.support.waiting import wait_until

DEATH_DEADLINE_S = 30.0
"""The issue's promise: a dead worker's calls end within 30 s."""
HEARTBEAT_S = 2.0
"""Dead after 3 missed beats (6 s), well within the 30 s; not shorter, so that a live
worker starved of CPU on this loaded machine is never taken for dead."""
CLAIM_IDLE_S = 5.0
"""Short, so the survivor takes over soon after the kill; live dispatchers refresh
what they hold four times per idle time, so a loaded machine does not lose them."""
STARTUP_S = 180.0
"""A guard against hangs only: seven Python processes start side by side on a busy machine."""
IN_FLIGHT = 32
PASSWORD = "correct horse battery"
THREAT_SCRIPT = """\
# A caller who threatens legal action (the lines tests/e2e proves pocketsphinx hears).
agent: good morning what can i do for you
caller: if this is not fixed today i will call my lawyer
caller: i am going to sue your company
"""
CHANNELS = ("slack", "resend")


@pytest.fixture(scope="module")
def threat_audio() -> CallAudio:
    return render_call(parse_script(THREAT_SCRIPT, name="threat"))


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[ProcessGroup]:
    with process_group(tmp_path) as group:
        yield group


@pytest.fixture
async def notifiers() -> AsyncIterator[dict[str, GatedNotifier]]:
    async with AsyncExitStack() as stack:
        yield {channel: await stack.enter_async_context(gated_notifier()) for channel in CHANNELS}


# ----------------------------------------------------------------- processes


class Worker:
    def __init__(self, process: CallmonProcess, worker_id: str) -> None:
        self.process = process
        self.worker_id = worker_id
        self.audiosocket_port = 0

    async def ready(self) -> Worker:
        pattern = rf"callmon ingest {self.worker_id}: AudioSocket on port (\d+), HTTP on port (\d+)"
        found = await wait_until(
            lambda: self.process.search_log(pattern), timeout=STARTUP_S, message=f"worker {self.worker_id}"
        )
        self.audiosocket_port = int(found.group(1))
        return self

    @property
    def target(self) -> Target:
        return Target("127.0.0.1", self.audiosocket_port)


def start_worker(
    processes: ProcessGroup, worker_id: str, database_url: str, redis_url: str, tmp: Path
) -> Worker:
    # No disclosure rule: the long live calls (a tone, heard as an agent's words)
    # would raise missing_disclosure 30 s in, at a moment that depends on the
    # machine's speed, after the test has counted the alerts it expects.
    rules = tmp / "worker-alerts.toml"
    rules.write_text("[rules.missing_disclosure]\nenabled = false\n")
    env = callmon_env(
        {
            "CALLMON_ALERTS_CONFIG": str(rules),
            "CALLMON_DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CALLMON_WORKER_ID": worker_id,
            "CALLMON_SPOOL_DIR": str(tmp / f"spool-{worker_id}"),
            "CALLMON_DB_PATH": str(tmp / f"unused-{worker_id}.db"),
            "CALLMON_AUDIOSOCKET_HOST": "127.0.0.1",
            "CALLMON_AUDIOSOCKET_PORT": "0",
            "CALLMON_HTTP_HOST": "127.0.0.1",
            "CALLMON_HTTP_PORT": "0",
            "CALLMON_ASR": "sphinx",
            "CALLMON_ASR_THREADS": "1",
            "CALLMON_ACTIVE_CALL_HEARTBEAT_S": str(HEARTBEAT_S),
            # The threat calls are dialled in a fraction of their length: pacing would
            # cut them off as floods (tests/support/replay.py REPLAYED, as settings).
            "CALLMON_AUDIO_BURST_S": "0",
            "CALLMON_RECOGNITION_NEWEST_FIRST": "false",
            "CALLMON_RECOGNITION_DEADLINE_S": "3600",
            # The dispatchers deliver; the workers only append to alerts:stream.
            "CALLMON_ALERTS_IN_PROCESS": "false",
        }
    )
    return Worker(processes.start(f"worker-{worker_id}", ["ingest"], env), worker_id)


def start_dashboard(
    processes: ProcessGroup, name: str, database_url: str, redis_url: str, secret: str, tmp: Path
) -> tuple[CallmonProcess, str]:
    port = free_port()
    env = callmon_env(
        {
            "CALLMON_DATABASE_URL": database_url,
            "CALLMON_DASHBOARD_SECRET": secret,
            "CALLMON_INGEST_URL": "http://127.0.0.1:9",
            # Each its own folder, as on two machines: only Redis can share the sessions.
            "CALLMON_DASHBOARD_SESSIONS_PATH": str(tmp / f"sessions-{name}"),
        }
    )
    args = ["dashboard", "--port", str(port), "--host", "127.0.0.1", "--redis-url", redis_url]
    return processes.start(name, args, env), f"http://127.0.0.1:{port}"


def start_dispatcher(
    processes: ProcessGroup, name: str, database_url: str, redis_url: str, notifiers: dict[str, GatedNotifier]
) -> CallmonProcess:
    config = processes.log_dir / "alerts.toml"
    # Room for every alert of the test in flight at once in one dispatcher (default 8).
    config.write_text(f"[notify]\nconcurrency = {IN_FLIGHT}\n")
    env = callmon_env(
        {
            "CALLMON_ALERTS_CONFIG": str(config),
            "CALLMON_DATABASE_URL": database_url,
            "CALLMON_ALERTS_CLAIM_IDLE_S": str(CLAIM_IDLE_S),
            "CALLMON_NOTIFY_RETRIES": "0",
            # Held at the gate for as long as the test likes: no timeout, no retry.
            "CALLMON_NOTIFY_TIMEOUT_S": "600",
            "CALLMON_SLACK_WEBHOOK_URL": notifiers["slack"].url + "/hook",
            "CALLMON_SLACK_MIN_LEVEL": "warning",
            "RESEND_API_KEY": "re_test",
            "CALLMON_RESEND_URL": notifiers["resend"].url,
            "CALLMON_RESEND_FROM": "callmon <alerts@example.com>",
            "CALLMON_RESEND_TO": "supervisors@example.com",
            "CALLMON_RESEND_MIN_LEVEL": "warning",
        }
    )
    return processes.start(name, ["alerts", "--redis-url", redis_url], env)


async def dashboard_answers(process: CallmonProcess, url: str) -> bool:
    process.check_alive()
    async with httpx.AsyncClient(timeout=2) as client:
        try:
            await client.get(f"{url}/healthz")  # any answer: its ingest health may be down here
        except httpx.TransportError:
            return False
        return True


def dispatcher_running(process: CallmonProcess) -> bool:
    return process.search_log("dispatching alerts from") is not None


# ------------------------------------------------------------------ database


def query(database_url: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url, autocommit=True) as connection:
        return connection.execute(sql, params).fetchall()


def call_status(database_url: str, call_id: str) -> tuple[object, ...] | None:
    rows = query(database_url, "SELECT status, end_reason, worker_id FROM calls WHERE id = %s", (call_id,))
    return rows[0] if rows else None


async def pending_by_consumer(client: redis.Redis, channel: str) -> dict[str, int]:
    summary = await client.xpending_range(ALERT_STREAM, group_name(channel), "-", "+", 1000)
    held: dict[str, int] = {}
    for item in summary:
        name = item["consumer"].decode() if isinstance(item["consumer"], bytes) else item["consumer"]
        held[name] = held.get(name, 0) + 1
    return held


async def settled(client: redis.Redis) -> bool:
    """Every alert handed out and acknowledged in every channel's group."""
    for channel in CHANNELS:
        if await pending_by_consumer(client, channel):
            return False
        groups = await client.xinfo_groups(ALERT_STREAM)
        (group,) = [g for g in groups if _text(g["name"]) == group_name(channel)]
        if int(group["lag"] or 0):
            return False
    return True


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def shows_live_calls(browser: httpx.AsyncClient, url: str, expected: set[str]) -> bool:
    """Does the dashboard at `url` list exactly `expected` as live?"""
    response = await browser.get(f"{url}/api/calls/active")
    assert response.status_code == 200, response.text
    return {call["call_id"] for call in response.json()} == expected


# ---------------------------------------------------------------------- test


@pytest.mark.timeout(420)
async def test_fleet_survives_a_killed_worker_and_dispatcher(
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    processes: ProcessGroup,
    notifiers: dict[str, GatedNotifier],
    threat_audio: CallAudio,
) -> None:
    begun = time.monotonic()
    users = await UserStore.open(parse_database_url(postgres_url))  # also migrates the dashboard's tables
    await users.add("root", "admin", PASSWORD)
    await users.add("sup", "supervisor", PASSWORD)
    await users.close()
    secret = secrets.token_hex(32)

    # Everything starts side by side (PostgreSQL migrations take an advisory lock).
    workers = {
        worker_id: start_worker(processes, worker_id, postgres_url, redis_url, tmp_path)
        for worker_id in ("w1", "w2", "w3")
    }
    dashboards = [
        start_dashboard(processes, f"dashboard-{n}", postgres_url, redis_url, secret, tmp_path)
        for n in (1, 2)
    ]
    # The victim dispatcher starts alone, so that it holds every alert when it dies.
    victim = start_dispatcher(processes, "dispatcher-victim", postgres_url, redis_url, notifiers)
    for worker in workers.values():
        await worker.ready()
    for process, url in dashboards:
        await wait_until(lambda p=process, u=url: dashboard_answers(p, u), timeout=STARTUP_S, message=url)
    await wait_until(lambda: dispatcher_running(victim), timeout=STARTUP_S, message="the victim dispatcher")
    print(f"fleet up after {time.monotonic() - begun:.1f} s")

    doomed_worker, survivor_worker = workers["w3"], workers["w1"]
    client = redis.from_url(redis_url)
    live: list[LiveCall] = []
    try:
        # Calls spread over the workers: a threat call on each (whole, as fast as it
        # goes), and long calls that stay live on w3 (to die with it) and on w1.
        threat_calls = await asyncio.gather(
            *(dial_audiosocket(threat_audio, worker.target, speed=None) for worker in workers.values())
        )
        live = [await LiveCall(port).dial() for port in (doomed_worker.audiosocket_port,) * 2]
        live.append(await LiveCall(survivor_worker.audiosocket_port).dial())
        doomed_calls = {call.call_id for call in live[:2]}
        surviving_call = live[2].call_id

        def calls_registered() -> bool:
            owners = {call.call_id: call_status(postgres_url, call.call_id) for call in live}
            return all(row is not None and row[0] == "active" for row in owners.values())

        await wait_until(calls_registered, message="the live calls stored as active")
        for call_id in doomed_calls:
            assert (call_status(postgres_url, call_id) or ())[2] == "w3"
        assert (call_status(postgres_url, surviving_call) or ())[2] == "w1"
        for call_id, worker_id in zip(threat_calls, workers, strict=True):
            await wait_until(
                lambda c=call_id: (call_status(postgres_url, c) or ("",))[0] == "ended",
                message=f"threat call {call_id} ended",
            )
            assert (call_status(postgres_url, call_id) or ())[2] == worker_id

        # Every alert raised is in the stream and held, unanswered, by the victim.
        def alert_ids() -> list[str]:
            return [str(row[0]) for row in query(postgres_url, "SELECT id FROM alerts ORDER BY id")]

        raised = await wait_until(alert_ids, message="alerts from the threat calls")

        seen: list[object] = []

        async def victim_holds_every_alert() -> bool:
            nonlocal raised
            raised = alert_ids()
            state: list[object] = [len(raised), await client.xlen(ALERT_STREAM)]
            for channel in CHANNELS:
                held = await pending_by_consumer(client, channel)
                mine = sum(n for name, n in held.items() if f"-{victim.pid}-" in name)
                state += [channel, mine, len(notifiers[channel].arrived)]
            seen[:] = state
            return all(n == len(raised) for n in state if isinstance(n, int))

        try:
            await wait_until(victim_holds_every_alert, message="the victim holding every alert at the gate")
            assert len(raised) <= IN_FLIGHT
        except AssertionError as error:
            raise AssertionError(f"{error}: alerts, stream, (channel, held, arrived)... = {seen}") from None
        alerted_calls = {row[0] for row in query(postgres_url, "SELECT DISTINCT call_id FROM alerts")}
        print(f"{len(raised)} alerts on {len(alerted_calls)} of {len(threat_calls)} threat calls")

        # The second dispatcher joins; both dashboards, on one login, show the same live calls.
        survivor = start_dispatcher(processes, "dispatcher-survivor", postgres_url, redis_url, notifiers)
        await wait_until(lambda: dispatcher_running(survivor), timeout=STARTUP_S, message="the survivor")
        browser = httpx.AsyncClient(timeout=10)
        try:
            (_, first_url), (_, second_url) = dashboards
            login = await browser.post(f"{first_url}/api/login", json={"name": "sup", "password": PASSWORD})
            assert login.status_code == 200, login.text
            every_live = {call.call_id for call in live}
            for url in (first_url, second_url):
                await wait_until(
                    lambda u=url: shows_live_calls(browser, u, every_live), message=f"live calls on {url}"
                )

            # ---- kill -9 one worker and one dispatcher, together.
            doomed_worker.process.kill()
            victim.kill()
            killed_at = time.monotonic()

            def doomed_interrupted() -> bool:
                rows = [call_status(postgres_url, call_id) for call_id in doomed_calls]
                return all(row is not None and row[:2] == ("ended", INTERRUPTED) for row in rows)

            await wait_until(doomed_interrupted, timeout=DEATH_DEADLINE_S, message="w3's calls interrupted")

            async def off_wallboard() -> bool:
                return not {_text(key) for key in await client.hkeys(ACTIVE_CALLS)} & doomed_calls

            await wait_until(off_wallboard, timeout=DEATH_DEADLINE_S, message="w3's calls off calls:active")
            print(f"w3's calls ended and off calls:active {time.monotonic() - killed_at:.1f} s after kill -9")
            for url in (first_url, second_url):
                await wait_until(
                    lambda u=url: shows_live_calls(browser, u, {surviving_call}),
                    message=f"only w1's live call on {url}",
                )
        finally:
            await browser.aclose()

        # The server saw the victim hang up on every request it held; then the gate opens.
        for channel in CHANNELS:
            await wait_until(
                lambda n=notifiers[channel]: n.abandoned_waiting() == len(raised),
                message=f"{channel}: the victim's requests abandoned",
            )
        for notifier in notifiers.values():
            notifier.gate.set()
        await wait_until(lambda: settled(client), message="every alert acknowledged in every channel")

        # Once per channel: each notification answered once, one per alert, and stored delivered.
        stored = query(
            postgres_url, "SELECT id, call_id, rules, raised_at, speaker, text FROM alerts ORDER BY id"
        )
        for row in stored:
            print("alert", *row)  # shown when an assertion below fails
        for channel, notifier in notifiers.items():
            delivered = notifier.answered_keys()
            assert sum(delivered.values()) == len(raised), (channel, delivered, stored)
            assert set(delivered.values()) == {1}, (channel, delivered, stored)
        deliveries = query(
            postgres_url, "SELECT alert_id, channel, status FROM alert_deliveries ORDER BY alert_id, channel"
        )
        assert deliveries == [
            (alert_id, channel, "delivered") for alert_id in raised for channel in sorted(CHANNELS)
        ]
        assert re.search(r"took over", survivor.log()), survivor.log()[-2000:]

        # Every segment stored once, on every call of every worker.
        duplicates = query(
            postgres_url,
            'SELECT call_id, speaker, "start", COUNT(*) FROM segments'
            ' GROUP BY call_id, speaker, "start" HAVING COUNT(*) > 1',
        )
        assert duplicates == []
        per_call = dict(query(postgres_url, "SELECT call_id, COUNT(*) FROM segments GROUP BY call_id"))
        assert all(per_call.get(call_id, 0) > 0 for call_id in threat_calls), per_call
        # w1's call went on through all of it.
        assert (call_status(postgres_url, surviving_call) or ())[0] == "active"
        print(f"scale test done in {time.monotonic() - begun:.1f} s")
    finally:
        for call in live:
            await call.hang_up()
        await client.aclose()
