"""WS /listen/{call_id} on a real worker: a call fed over AudioSocket is heard live;
bad tokens are closed with 1008; every listen is audited; nothing is stored."""

from __future__ import annotations

import asyncio
import struct
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from app.listen_route import FRAME_HEADER, encode_mulaw
from app.worker import ComponentSettings, IngestWorker
from bench.crash_worker import SlowNumberedRecognizer
from bench.listen_worker import worker_settings
from bench.live_call import LiveCall, numbered_frame
from ingest.pipeline.listen_token import issue_listen_token
from ingest.storage.listen_audit import ListenAuditStore

SECRET = "listen-test-secret-0123456789-abcdefghijklmnop"


@pytest.fixture
async def worker(tmp_path: Path) -> AsyncIterator[IngestWorker]:
    settings = worker_settings(tmp_path / "calls.db", None, 5.0)
    async with IngestWorker(
        settings,
        ComponentSettings(listen_secret=SECRET),
        engine=SlowNumberedRecognizer(0.0),
        alerts_enabled=False,
    ) as running:
        yield running


async def until_live(worker: IngestWorker, call_id: str) -> None:
    async with asyncio.timeout(10):
        while call_id not in worker.pipeline.active_call_ids:
            await asyncio.sleep(0.02)


def listen_url(worker: IngestWorker, call_id: str, token: str) -> str:
    return f"ws://127.0.0.1:{worker.http_port}/listen/{call_id}?token={token}"


async def test_a_supervisor_hears_the_live_call_and_the_listen_is_audited(worker: IngestWorker) -> None:
    async with LiveCall(worker.audiosocket_port) as call:
        await until_live(worker, call.call_id)
        token = issue_listen_token(SECRET, call.call_id, "sue", "supervisor")
        async with websockets.connect(listen_url(worker, call.call_id, token)) as socket:
            hello = orjson.loads(await asyncio.wait_for(socket.recv(), 5))
            assert hello == {"type": "listening", "call_id": call.call_id, "party": "both", "format": "pcm16"}
            numbers = []
            while len(numbers) < 25:
                message = await asyncio.wait_for(socket.recv(), 5)
                assert isinstance(message, bytes)
                version, _speaker, rate, received_at = FRAME_HEADER.unpack_from(message)
                pcm = message[FRAME_HEADER.size :]
                assert (version, rate, len(pcm)) == (1, 8000, 320)
                assert received_at > 0
                numbers.append(struct.unpack_from("<h", pcm)[0])
                assert pcm == numbered_frame(numbers[-1])
            # Live audio, in order: consecutive frames as the caller sent them.
            assert numbers == list(range(numbers[0], numbers[0] + 25))
            assert worker.listen_tap.listener_count(call.call_id) == 1
            assert worker.health()["listeners"] == 1
            await call.hang_up()
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(socket.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000
    audit = await ListenAuditStore.open(worker.settings.db_path)
    try:
        async with asyncio.timeout(10):
            while not (records := await audit.for_call(call.call_id)) or records[0].stopped_at is None:
                await asyncio.sleep(0.05)
    finally:
        await audit.close()
    (record,) = records
    assert (record.user, record.role, record.party) == ("sue", "supervisor", "both")
    assert record.stopped_at is not None and record.stopped_at >= record.started_at
    assert record.frames_sent >= 25
    assert worker.listen_tap.listener_count() == 0


async def test_stop_from_the_browser_ends_the_listen_not_the_call(worker: IngestWorker) -> None:
    async with LiveCall(worker.audiosocket_port) as call:
        await until_live(worker, call.call_id)
        token = issue_listen_token(SECRET, call.call_id, "ann", "admin", "caller")
        async with websockets.connect(listen_url(worker, call.call_id, token)) as socket:
            await socket.recv()
            await socket.recv()
        async with asyncio.timeout(10):
            while worker.listen_tap.listener_count(call.call_id):
                await asyncio.sleep(0.02)
        assert call.call_id in worker.pipeline.active_call_ids


async def close_code(url: str) -> int | None:
    async with websockets.connect(url) as socket:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_bad_tokens_are_closed_with_policy_violation(worker: IngestWorker) -> None:
    async with LiveCall(worker.audiosocket_port) as call, LiveCall(worker.audiosocket_port) as other:
        await until_live(worker, call.call_id)
        await until_live(worker, other.call_id)
        cases = {
            "none": "",
            "wrong secret": issue_listen_token("not-the-secret", call.call_id, "sue", "supervisor"),
            "expired": issue_listen_token(SECRET, call.call_id, "sue", "supervisor", ttl_s=-1),
            "other call": issue_listen_token(SECRET, other.call_id, "sue", "supervisor"),
        }
        for what, token in cases.items():
            assert await close_code(listen_url(worker, call.call_id, token)) == 1008, what
        assert worker.listen_tap.listener_count() == 0
        ended = str(uuid.uuid4())
        token = issue_listen_token(SECRET, ended, "sue", "supervisor")
        assert await close_code(listen_url(worker, ended, token)) == 4404
    audit = await ListenAuditStore.open(worker.settings.db_path)
    try:
        assert await audit.for_call(call.call_id) == []
    finally:
        await audit.close()


def mulaw_to_pcm(byte: int) -> int:
    """The G.711 decoder, written out independently of the encoder under test."""
    u = ~byte & 0xFF
    magnitude = ((((u & 0x0F) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84
    return -magnitude if u & 0x80 else magnitude


def test_mulaw_is_g711() -> None:
    # Reference points of G.711 mu-law: silence, full scale both ways, small values.
    assert encode_mulaw(struct.pack("<5h", 0, 32767, -32768, 1, -1)) == bytes([0xFF, 0x80, 0x00, 0xFF, 0x7F])
    for sample in range(-32768, 32768, 97):
        decoded = mulaw_to_pcm(encode_mulaw(struct.pack("<h", sample))[0])
        assert abs(decoded - sample) <= max(8, abs(sample) // 16), (sample, decoded)  # mu-law's step


async def test_mulaw_halves_the_bytes_and_keeps_the_audio(worker: IngestWorker) -> None:
    async with LiveCall(worker.audiosocket_port) as call:
        await until_live(worker, call.call_id)
        token = issue_listen_token(SECRET, call.call_id, "sue", "supervisor")
        async with websockets.connect(listen_url(worker, call.call_id, token) + "&format=mulaw") as socket:
            assert orjson.loads(await asyncio.wait_for(socket.recv(), 5))["format"] == "mulaw"
            decoded = []
            while len(decoded) < 10:
                message = await asyncio.wait_for(socket.recv(), 5)
                assert isinstance(message, bytes)
                audio_format, _speaker, rate, _at = FRAME_HEADER.unpack_from(message)
                payload = message[FRAME_HEADER.size :]
                assert (audio_format, rate, len(payload)) == (2, 8000, 160)  # PCM16 would be 320
                assert len(set(payload)) == 1  # a numbered frame: every sample the same
                decoded.append(mulaw_to_pcm(payload[0]))
            # Consecutive numbered frames, within mu-law's step of the numbers sent.
            first = decoded[0]
            for offset, value in enumerate(decoded):
                assert abs(value - (first + offset)) <= max(8, abs(value) // 16) + 1, decoded
        bad = listen_url(worker, call.call_id, issue_listen_token(SECRET, call.call_id, "sue", "supervisor"))
        assert await close_code(bad + "&format=mp3") == 1008


async def test_a_token_opens_one_listen_a_second_socket_with_it_is_refused(worker: IngestWorker) -> None:
    async with LiveCall(worker.audiosocket_port) as call:
        await until_live(worker, call.call_id)
        url = listen_url(worker, call.call_id, issue_listen_token(SECRET, call.call_id, "sue", "supervisor"))
        async with websockets.connect(url) as first:
            hello = orjson.loads(await asyncio.wait_for(first.recv(), 5))
            assert hello["type"] == "listening"
            assert await close_code(url) == 1008  # while the first listen runs
            assert isinstance(await asyncio.wait_for(first.recv(), 5), bytes)  # the first goes on
        assert await close_code(url) == 1008  # and after it ended
        # A fresh token for the same supervisor and call is a new listen.
        again = listen_url(
            worker, call.call_id, issue_listen_token(SECRET, call.call_id, "sue", "supervisor")
        )
        async with websockets.connect(again) as second:
            assert orjson.loads(await asyncio.wait_for(second.recv(), 5))["type"] == "listening"
    audit = await ListenAuditStore.open(worker.settings.db_path)
    try:
        assert len(await audit.for_call(call.call_id)) == 2
    finally:
        await audit.close()


async def test_a_worker_without_the_dashboard_secret_refuses_every_listen(worker: IngestWorker) -> None:
    worker.listen_secret = None
    async with LiveCall(worker.audiosocket_port) as call:
        await until_live(worker, call.call_id)
        token = issue_listen_token(SECRET, call.call_id, "sue", "supervisor")
        assert await close_code(listen_url(worker, call.call_id, token)) == 1008
