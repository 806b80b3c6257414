"""The Deepgram engine (SDK v7) against a local server speaking Deepgram's protocol."""

from __future__ import annotations

import asyncio

import pytest
from fake_deepgram import FakeDeepgram

from ingest.asr import EngineUnavailable, StreamingRecognizer, create_engine
from ingest.asr.base import StreamResult
from ingest.asr.deepgram import DeepgramRecognizer
from ingest.settings import IngestSettings

RATE = 8000
FRAME = RATE * 2 // 50  # 20 ms of s16le


async def send_realtime_ish(stream, pcm: bytes, pace_s: float = 0.0) -> None:
    """Send in 20 ms frames, as an adapter does (optionally paced)."""
    for begin in range(0, len(pcm), FRAME):
        await stream.send(pcm[begin : begin + FRAME])
        if pace_s:
            await asyncio.sleep(pace_s)


async def collect(stream) -> list[StreamResult]:
    return [result async for result in stream.results()]


def silence(seconds: float) -> bytes:
    return bytes(int(RATE * seconds) * 2)


@pytest.mark.parametrize("encoding", ["linear16", "mulaw"])
async def test_speech_becomes_interim_and_final_results(fake_deepgram: FakeDeepgram, speak, encoding) -> None:
    recognizer = DeepgramRecognizer("test-key", model="nova-3", encoding=encoding, base_url=fake_deepgram.url)
    stream = await recognizer.open_stream(RATE)
    results_task = asyncio.create_task(collect(stream))
    await send_realtime_ish(stream, speak("i want to cancel my account right now", rate=RATE) + silence(1.0))
    await send_realtime_ish(stream, speak("can i speak to your supervisor please", rate=RATE) + silence(0.1))
    await stream.close()
    results = await asyncio.wait_for(results_task, 60)

    finals = [r for r in results if r.is_final]
    assert len(finals) == 2
    assert {"cancel", "account"} <= set(finals[0].recognition.text.split())
    assert "supervisor" in finals[1].recognition.text.split()
    assert finals[0].end <= finals[1].start
    assert any(not r.is_final for r in results)  # interim results came too
    assert all(0.0 <= r.recognition.confidence <= 1.0 for r in results)

    session = fake_deepgram.sessions[0]
    assert session.query["encoding"] == encoding
    assert session.query["sample_rate"] == "8000"
    assert session.query["interim_results"] == "true"
    assert session.query["model"] == "nova-3"
    assert session.controls[-1] == "CloseStream"
    assert session.close_code == 1000
    bytes_per_sample = 1 if encoding == "mulaw" else 2
    assert session.audio_bytes % bytes_per_sample == 0
    assert [m["type"] for m in session.sent].count("Metadata") == 1


async def test_wrong_key_is_a_clear_error(fake_deepgram: FakeDeepgram) -> None:
    recognizer = DeepgramRecognizer("wrong-key", base_url=fake_deepgram.url)
    with pytest.raises(EngineUnavailable, match="rejected the API key"):
        await recognizer.open_stream(RATE)
    assert fake_deepgram.rejected == [401]


async def test_unreachable_server_is_a_clear_error(unused_tcp_port: int) -> None:
    recognizer = DeepgramRecognizer("test-key", base_url=f"ws://127.0.0.1:{unused_tcp_port}")
    with pytest.raises(EngineUnavailable, match="cannot reach Deepgram"):
        await recognizer.open_stream(RATE)


async def test_keepalive_holds_an_idle_stream_open(speak) -> None:
    server = await FakeDeepgram(api_key="test-key", idle_timeout_s=1.0).start()
    try:
        recognizer = DeepgramRecognizer("test-key", base_url=server.url, keepalive_s=0.2)
        stream = await recognizer.open_stream(RATE)
        results_task = asyncio.create_task(collect(stream))
        await asyncio.sleep(2.5)  # longer than the server's idle timeout
        await send_realtime_ish(
            stream, speak("i want to cancel my account right now", rate=RATE) + silence(0.5)
        )
        await stream.close()
        results = await asyncio.wait_for(results_task, 60)
    finally:
        await server.stop()
    assert "KeepAlive" in server.sessions[0].controls
    assert len(server.sessions) == 1  # never dropped, never reconnected
    assert any(r.is_final and "cancel" in r.recognition.text for r in results)


async def test_stream_reconnects_after_the_socket_drops(fake_deepgram: FakeDeepgram, speak) -> None:
    recognizer = DeepgramRecognizer("test-key", base_url=fake_deepgram.url)
    stream = await recognizer.open_stream(RATE)
    results_task = asyncio.create_task(collect(stream))
    first = speak("i want to cancel my account right now", rate=RATE) + silence(1.0)
    await send_realtime_ish(stream, first)
    while not any(m["type"] == "Results" and m["is_final"] for m in fake_deepgram.sessions[0].sent):
        await asyncio.sleep(0.05)
    await fake_deepgram.drop_connections()
    await asyncio.sleep(0.2)  # let the client notice
    await send_realtime_ish(stream, speak("can i speak to your supervisor please", rate=RATE) + silence(0.5))
    await stream.close()
    results = await asyncio.wait_for(results_task, 60)

    assert len(fake_deepgram.sessions) == 2
    finals = [r for r in results if r.is_final]
    assert "cancel" in finals[0].recognition.text
    assert "supervisor" in finals[-1].recognition.text
    # Times stay on the track's clock across the reconnect.
    assert finals[-1].start >= len(first) / 2 / RATE - 0.05


async def test_reconnect_with_a_revoked_key_ends_results_with_the_error(speak) -> None:
    server = await FakeDeepgram(api_key="test-key").start()
    try:
        stream = await DeepgramRecognizer("test-key", base_url=server.url).open_stream(RATE)
        results_task = asyncio.create_task(collect(stream))
        server.api_key = "rotated-key"
        await server.drop_connections()
        await asyncio.sleep(0.2)
        with pytest.raises(EngineUnavailable, match="rejected the API key"):
            await send_realtime_ish(stream, silence(0.2))
        with pytest.raises(EngineUnavailable):
            await asyncio.wait_for(results_task, 10)
        with pytest.raises(EngineUnavailable, match="rejected the API key"):
            await stream.send(silence(0.02))  # the stream stays failed
        await stream.close()  # closing a failed stream is harmless
    finally:
        await server.stop()


def test_create_engine_builds_deepgram_from_settings() -> None:
    settings = IngestSettings(
        asr="deepgram",
        deepgram_api_key="k",
        deepgram_url="ws://127.0.0.1:1",
        deepgram_encoding="mulaw",
        deepgram_model="nova-2",
    )
    engine = create_engine(settings)
    assert isinstance(engine, DeepgramRecognizer) and isinstance(engine, StreamingRecognizer)
    assert (engine.model, engine.encoding, engine.base_url) == ("nova-2", "mulaw", "ws://127.0.0.1:1")


def test_create_engine_without_a_deepgram_key_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    engine = create_engine(IngestSettings(asr="deepgram", deepgram_api_key=None))
    assert engine.name == "sphinx"
    assert any("DEEPGRAM_API_KEY is not set" in r.getMessage() for r in caplog.records)
