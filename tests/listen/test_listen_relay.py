"""Listen-in in a fleet: two real workers on one real Redis; the call is on worker A,
the supervisor's socket lands on worker B, which relays A's audio over Redis."""

from __future__ import annotations

import asyncio
import struct
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis.asyncio as aioredis
import websockets
from websockets.exceptions import ConnectionClosed

from app.listen_route import FRAME_HEADER
from app.worker import ComponentSettings, IngestWorker
from bench.crash_worker import SlowNumberedRecognizer, crash_settings
from bench.live_call import LiveCall, numbered_frame
from ingest.bus.raw_channels import RawChannels, RawSubscription
from ingest.pipeline.listen import ListenFrame, ListenTap
from ingest.pipeline.listen_relay import (
    REPLY_PREFIX,
    REQUESTS,
    ListenRelay,
    ListenRequest,
    decode_relay_frame,
    encode_relay_frame,
)
from ingest.pipeline.listen_token import ListenGrant, issue_listen_token
from ingest.storage.listen_audit import ListenAuditStore, ListenRecord
from tests.listen.test_listen_websocket import SECRET, close_code, listen_url, until_live
from tests.support.servers import free_port


def start_worker(tmp_path: Path, name: str, redis_url: str | None, **overrides: Any) -> IngestWorker:
    settings = crash_settings(tmp_path / f"{name}.db", redis_url=redis_url, worker_id=f"worker-{name}")
    settings = settings.model_copy(update=overrides)
    return IngestWorker(
        settings,
        ComponentSettings(listen_secret=SECRET),
        engine=SlowNumberedRecognizer(0.0),
        alerts_enabled=False,
    )


@pytest.fixture
async def fleet(tmp_path: Path, redis_url: str) -> AsyncIterator[tuple[IngestWorker, IngestWorker]]:
    async with AsyncExitStack() as stack:
        worker_a = await stack.enter_async_context(start_worker(tmp_path, "a", redis_url))
        worker_b = await stack.enter_async_context(start_worker(tmp_path, "b", redis_url, listen_relay_max=1))
        yield worker_a, worker_b


async def audit_of(worker: IngestWorker, call_id: str) -> list[ListenRecord]:
    """The call's audit rows once every listen of it has stopped."""
    audit = await ListenAuditStore.open(worker.settings.db_path)
    try:
        async with asyncio.timeout(10):
            while not (records := await audit.for_call(call_id)) or any(
                r.stopped_at is None for r in records
            ):
                await asyncio.sleep(0.05)
        return records
    finally:
        await audit.close()


async def until(condition: Any, what: str) -> None:
    try:
        async with asyncio.timeout(10):
            while not condition():
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"never true: {what}") from None


async def consecutive_frames(socket: websockets.ClientConnection, count: int) -> list[int]:
    numbers = []
    while len(numbers) < count:
        message = await asyncio.wait_for(socket.recv(), 5)
        assert isinstance(message, bytes)
        audio_format, speaker, rate, received_at = FRAME_HEADER.unpack_from(message)
        pcm = message[FRAME_HEADER.size :]
        assert (audio_format, speaker, rate, len(pcm)) == (1, 2, 8000, 320)  # AudioSocket: one mixed leg
        assert received_at > 0
        numbers.append(struct.unpack_from("<h", pcm)[0])
        assert pcm == numbered_frame(numbers[-1])  # the samples the caller sent, byte for byte
    return numbers


async def test_a_listen_reaching_another_worker_hears_the_call(
    fleet: tuple[IngestWorker, IngestWorker],
) -> None:
    worker_a, worker_b = fleet
    async with LiveCall(worker_a.audiosocket_port) as call:
        await until_live(worker_a, call.call_id)
        assert call.call_id not in worker_b.pipeline.active_call_ids
        token = issue_listen_token(SECRET, call.call_id, "sue", "supervisor", "caller")
        async with websockets.connect(listen_url(worker_b, call.call_id, token)) as socket:
            hello = orjson.loads(await asyncio.wait_for(socket.recv(), 5))
            assert hello == {
                "type": "listening",
                "call_id": call.call_id,
                "party": "caller",
                "format": "pcm16",
            }
            numbers = await consecutive_frames(socket, 25)
            assert numbers == list(range(numbers[0], numbers[0] + 25))  # live, in order, none lost
            assert worker_a.listen_tap.listener_count(call.call_id) == 1  # the owner's tap
            assert worker_b.listen_tap.listener_count() == 0
            assert worker_a.health()["listens_relayed"] == {"out": 1, "in": 0}
            assert worker_b.health()["listens_relayed"] == {"out": 0, "in": 1}
        # The browser left: B unsubscribes, A's next PUBLISH reaches nobody and A lets the tap go.
        await until(lambda: worker_a.listen_tap.listener_count() == 0, "the owner's tap is released")
        await until(lambda: worker_a.health()["listens_relayed"]["out"] == 0, "the owner stopped relaying")
        assert call.call_id in worker_a.pipeline.active_call_ids  # the call goes on
    (record,) = await audit_of(worker_b, call.call_id)
    assert (record.user, record.role, record.party) == ("sue", "supervisor", "caller")
    assert record.client is not None and record.client.startswith("127.0.0.1:")
    assert record.frames_sent >= 25
    assert await audit_of_nothing(worker_a, call.call_id)


async def audit_of_nothing(worker: IngestWorker, call_id: str) -> bool:
    audit = await ListenAuditStore.open(worker.settings.db_path)
    try:
        return await audit.for_call(call_id) == []
    finally:
        await audit.close()


async def test_the_relayed_listen_ends_when_the_call_ends(fleet: tuple[IngestWorker, IngestWorker]) -> None:
    worker_a, worker_b = fleet
    async with LiveCall(worker_a.audiosocket_port) as call:
        await until_live(worker_a, call.call_id)
        token = issue_listen_token(SECRET, call.call_id, "ann", "admin")
        async with websockets.connect(listen_url(worker_b, call.call_id, token) + "&format=mulaw") as socket:
            assert orjson.loads(await asyncio.wait_for(socket.recv(), 5))["format"] == "mulaw"
            message = await asyncio.wait_for(socket.recv(), 5)
            assert isinstance(message, bytes) and FRAME_HEADER.unpack_from(message)[0] == 2
            assert len(message) == FRAME_HEADER.size + 160  # mu-law: one byte a sample
            await call.hang_up()
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(socket.recv(), 10)
            assert closed.value.rcvd is not None
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1000, "the call ended")
    await until(lambda: worker_b.health()["listens_relayed"]["in"] == 0, "the requester let go")
    (record,) = await audit_of(worker_b, call.call_id)
    assert record.user == "ann" and record.frames_sent >= 1


async def test_a_call_live_nowhere_is_closed_not_live(fleet: tuple[IngestWorker, IngestWorker]) -> None:
    worker_a, worker_b = fleet
    ended = str(uuid.uuid4())
    for worker in (worker_a, worker_b):
        token = issue_listen_token(SECRET, ended, "sue", "supervisor")
        assert await close_code(listen_url(worker, ended, token)) == 4404
    assert await audit_of_nothing(worker_b, ended)


async def test_without_redis_another_workers_call_is_not_live(tmp_path: Path) -> None:
    async with start_worker(tmp_path, "a", None) as worker_a, start_worker(tmp_path, "b", None) as worker_b:
        assert worker_b.listen_relay is None
        async with LiveCall(worker_a.audiosocket_port) as call:
            await until_live(worker_a, call.call_id)
            token = issue_listen_token(SECRET, call.call_id, "sue", "supervisor")
            assert await close_code(listen_url(worker_b, call.call_id, token)) == 4404


async def test_relayed_listens_are_limited_per_worker(
    fleet: tuple[IngestWorker, IngestWorker],
) -> None:
    worker_a, worker_b = fleet  # B relays at most one listen each way
    async with LiveCall(worker_a.audiosocket_port) as call, LiveCall(worker_b.audiosocket_port) as other:
        await until_live(worker_a, call.call_id)
        await until_live(worker_b, other.call_id)
        first = listen_url(
            worker_b, call.call_id, issue_listen_token(SECRET, call.call_id, "sue", "supervisor")
        )
        async with websockets.connect(first) as socket:
            assert orjson.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "listening"
            second = issue_listen_token(SECRET, call.call_id, "sue", "supervisor")
            assert await close_code(listen_url(worker_b, call.call_id, second)) == 1013  # B's limit, asking
            # A direct listen on B is not relayed: no limit applies to it.
            direct = issue_listen_token(SECRET, other.call_id, "sue", "supervisor")
            async with websockets.connect(listen_url(worker_b, other.call_id, direct)) as local:
                assert orjson.loads(await asyncio.wait_for(local.recv(), 5))["type"] == "listening"
            # B's own call heard through A; B serves at most one relayed listen out.
            relayed = [issue_listen_token(SECRET, other.call_id, "sue", "supervisor") for _ in range(2)]
            async with websockets.connect(listen_url(worker_a, other.call_id, relayed[0])) as out:
                assert orjson.loads(await asyncio.wait_for(out.recv(), 5))["type"] == "listening"
                assert await close_code(listen_url(worker_a, other.call_id, relayed[1])) == 1013  # B busy
            assert isinstance(await asyncio.wait_for(socket.recv(), 5), bytes)  # the first goes on


async def test_malformed_relay_messages_are_dropped_and_never_answered(
    fleet: tuple[IngestWorker, IngestWorker], redis_url: str
) -> None:
    worker_a, _worker_b = fleet
    client = aioredis.Redis.from_url(redis_url)
    try:
        async with LiveCall(worker_a.audiosocket_port) as call:
            await until_live(worker_a, call.call_id)
            foreign = client.pubsub()
            await foreign.subscribe("calls:events")
            mine = client.pubsub()
            reply = f"{REPLY_PREFIX}test"
            await mine.subscribe(reply)
            request = ListenRequest(call.call_id, "both", "eve", "supervisor", "calls:events", "worker-x")
            for garbage in (b"\xff not json", b"{}", b'{"call_id": 1}', request.encode()):
                assert await client.publish(REQUESTS, garbage) == 2  # both workers hear it
            valid = ListenRequest(call.call_id, "both", "sue", "supervisor", reply, "worker-x")
            await client.publish(REQUESTS, valid.encode())
            answers: dict[bytes, list[bytes]] = {}
            async with asyncio.timeout(10):
                # Every worker answers: B (not here), A (accepted, then the call's audio).
                while len(answers.get(b"N", ())) < 1 or len(answers.get(b"F", ())) < 3:
                    message = await mine.get_message(ignore_subscribe_messages=True, timeout=1)
                    if message is not None:
                        answers.setdefault(message["data"][:1], []).append(message["data"][1:])
            assert answers[b"A"] == [b"worker-a"] and answers[b"N"] == [b"worker-b"]
            for data in answers[b"F"]:
                pcm = decode_relay_frame(call.call_id, b"F" + data).pcm
                assert pcm == numbered_frame(struct.unpack_from("<h", pcm)[0])
            # The requests before were handled first, in order: none was answered on calls:events.
            assert await foreign.get_message(ignore_subscribe_messages=True, timeout=0.1) is None
            await mine.aclose()
            await foreign.aclose()
            await until(lambda: worker_a.listen_tap.listener_count() == 0, "nobody listens: the tap goes")
    finally:
        await client.aclose()


def test_relay_frames_and_requests_round_trip_and_reject_garbage() -> None:
    frame = ListenFrame("c1", "agent", numbered_frame(7), 16000, 1234.5)
    assert decode_relay_frame("c1", encode_relay_frame(frame)) == frame
    for bad in (b"", b"F", b"K" + encode_relay_frame(frame)[1:], encode_relay_frame(frame) + b"x"):
        with pytest.raises(ValueError):
            decode_relay_frame("c1", bad)
    request = ListenRequest("c1", "agent", "sue", "admin", f"{REPLY_PREFIX}x", "w1")
    assert ListenRequest.decode(request.encode()) == request
    for field, value in (("reply_to", "calls:events"), ("party", "all"), ("role", "agent"), ("call_id", "")):
        fields = {**orjson.loads(request.encode()), field: value}
        with pytest.raises(ValueError):
            ListenRequest.decode(orjson.dumps(fields))


async def test_a_token_opens_one_listen_in_the_whole_fleet(fleet: tuple[IngestWorker, IngestWorker]) -> None:
    worker_a, worker_b = fleet
    async with LiveCall(worker_a.audiosocket_port) as call:
        await until_live(worker_a, call.call_id)
        token = issue_listen_token(SECRET, call.call_id, "sue", "supervisor")
        async with websockets.connect(listen_url(worker_a, call.call_id, token)) as socket:
            assert orjson.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "listening"
            # The same link again, landing on the other worker: refused there too.
            assert await close_code(listen_url(worker_b, call.call_id, token)) == 1008
            assert isinstance(await asyncio.wait_for(socket.recv(), 5), bytes)  # the first goes on
    (record,) = await audit_of(worker_a, call.call_id)
    assert record.user == "sue"
    assert await audit_of_nothing(worker_b, call.call_id)


async def test_a_requester_drops_bad_frames_and_gives_up_on_a_silent_owner(redis_url: str) -> None:
    """The owner here is a bare Redis client: it accepts, sends a malformed frame and a
    good one, then falls silent as a killed worker would."""
    relay = ListenRelay(
        RawChannels(redis_url),
        "worker-r",
        ListenTap(),
        lambda call_id: False,
        max_relayed=1,
        idle_limit_s=0.5,
    )
    owner = aioredis.Redis.from_url(redis_url)
    requests = owner.pubsub()
    await requests.subscribe(REQUESTS)
    frame = ListenFrame("c1", "caller", numbered_frame(3), 8000, 1.0)

    async def fake_owner() -> None:
        async with asyncio.timeout(10):
            while (message := await requests.get_message(ignore_subscribe_messages=True, timeout=1)) is None:
                pass
        reply = ListenRequest.decode(message["data"]).reply_to
        for data in (b"Aworker-o", b"F\x07", b"Z", encode_relay_frame(frame)):
            assert await owner.publish(reply, data) == 1

    try:
        answering = asyncio.create_task(fake_owner())
        grant = ListenGrant("c1", "sue", "supervisor", "caller", time.time() + 60)
        async with relay.listen(grant) as listener:
            assert await asyncio.wait_for(listener.next_frame(), 5) == frame
            assert await asyncio.wait_for(listener.next_frame(), 5) is None  # the owner went quiet
            assert relay.relaying == 1
        assert relay.relaying == 0
        await answering
    finally:
        await requests.aclose()
        await owner.aclose()
        await relay.close()


async def test_every_listen_on_a_shared_port_hears_the_call(tmp_path: Path, redis_url: str) -> None:
    """Two workers on one HTTP port (SO_REUSEPORT, as `callmon ingest --workers 2`): the
    kernel spreads the listen sockets between them, and each one hears the call."""
    http_port = free_port()
    shared = {"http_port": http_port, "reuse_port": True}
    async with (
        start_worker(tmp_path, "a", redis_url, **shared) as worker_a,
        start_worker(tmp_path, "b", redis_url, **shared) as worker_b,
        LiveCall(worker_a.audiosocket_port) as call,
    ):
        await until_live(worker_a, call.call_id)
        relayed = 0
        for _ in range(6):
            token = issue_listen_token(SECRET, call.call_id, "sue", "supervisor")
            url = f"ws://127.0.0.1:{http_port}/listen/{call.call_id}?token={token}"
            async with websockets.connect(url) as socket:
                assert orjson.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "listening"
                numbers = await consecutive_frames(socket, 5)
                assert numbers == list(range(numbers[0], numbers[0] + 5))
                relayed += worker_b.health()["listens_relayed"]["in"]
            await until(lambda: worker_a.listen_tap.listener_count() == 0, "the listen let go")
        # Each listen audited once, by the worker its socket reached.
        audits = [await ListenAuditStore.open(worker.settings.db_path) for worker in (worker_a, worker_b)]
        try:
            async with asyncio.timeout(10):
                while True:
                    direct, via_b = [await audit.for_call(call.call_id) for audit in audits]
                    if len(direct) + len(via_b) == 6 and all(r.stopped_at for r in direct + via_b):
                        break
                    await asyncio.sleep(0.05)
        finally:
            for audit in audits:
                await audit.close()
        assert len(via_b) == relayed


async def test_a_request_channel_broken_in_an_unexpected_way_is_made_again(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # uvloop reports a write to a closed transport as RuntimeError, no redis error:
    # a relay that died of it would refuse every listen-in to its calls for good.
    real_next = RawSubscription.next
    broken: list[int] = []

    async def breaks_once(self: RawSubscription, timeout_s: float) -> bytes | None:
        if not broken:
            broken.append(1)
            raise RuntimeError("the handler is closed")
        return await real_next(self, timeout_s)

    monkeypatch.setattr(RawSubscription, "next", breaks_once)
    async with (
        start_worker(tmp_path, "a", redis_url) as worker_a,
        start_worker(tmp_path, "b", redis_url) as worker_b,
        LiveCall(worker_a.audiosocket_port) as call,
    ):
        await until_live(worker_a, call.call_id)
        token = issue_listen_token(SECRET, call.call_id, "sue", "supervisor", "caller")
        async with websockets.connect(listen_url(worker_b, call.call_id, token)) as socket:
            hello = orjson.loads(await asyncio.wait_for(socket.recv(), 10))
            assert hello["type"] == "listening"
            assert len(await consecutive_frames(socket, 5)) == 5
    assert broken == [1]
