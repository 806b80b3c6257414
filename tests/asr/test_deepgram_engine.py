"""The Deepgram engine (SDK v7) against a local server speaking Deepgram's protocol."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from fake_deepgram import FakeDeepgram

from ingest.asr import EngineUnavailable, StreamingRecognizer, create_engine
from ingest.asr.base import StreamResult
from ingest.asr.deepgram import DeepgramRecognizer
from ingest.settings import IngestSettings

RATE = 8000
FRAME = RATE * 2 // 50  # 20 ms of s16le
CLOSE_S = 60.0  # the fake decodes with pocketsphinx; a busy CI machine must not turn that into a failure


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
    recognizer = DeepgramRecognizer(
        "test-key", model="nova-3", encoding=encoding, base_url=fake_deepgram.url, close_timeout_s=CLOSE_S
    )
    stream = await recognizer.open_stream(RATE)
    results_task = asyncio.create_task(collect(stream))
    await send_realtime_ish(stream, speak("i want to cancel my account right now", rate=RATE) + silence(1.0))
    await send_realtime_ish(stream, speak("can i speak to your supervisor please", rate=RATE) + silence(0.1))
    await stream.close()
    results = await asyncio.wait_for(results_task, 2 * CLOSE_S)

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
    recognizer = DeepgramRecognizer("wrong-key", base_url=fake_deepgram.url, close_timeout_s=CLOSE_S)
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
        recognizer = DeepgramRecognizer(
            "test-key", base_url=server.url, keepalive_s=0.2, close_timeout_s=CLOSE_S
        )
        stream = await recognizer.open_stream(RATE)
        results_task = asyncio.create_task(collect(stream))
        await asyncio.sleep(2.5)  # longer than the server's idle timeout
        await send_realtime_ish(
            stream, speak("i want to cancel my account right now", rate=RATE) + silence(0.5)
        )
        await stream.close()
        results = await asyncio.wait_for(results_task, 2 * CLOSE_S)
    finally:
        await server.stop()
    assert "KeepAlive" in server.sessions[0].controls
    assert len(server.sessions) == 1  # never dropped, never reconnected
    assert any(r.is_final and "cancel" in r.recognition.text for r in results)


async def test_stream_reconnects_after_the_socket_drops(fake_deepgram: FakeDeepgram, speak) -> None:
    recognizer = DeepgramRecognizer("test-key", base_url=fake_deepgram.url, close_timeout_s=CLOSE_S)
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
    results = await asyncio.wait_for(results_task, 2 * CLOSE_S)

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


def trimmed(pcm: bytes, threshold: float = 200.0) -> bytes:
    """`pcm` without its leading and trailing quiet 20 ms frames (flite pads both ends)."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    frames = [samples[i : i + FRAME // 2] for i in range(0, len(samples) - FRAME // 2 + 1, FRAME // 2)]
    loud = [i for i, f in enumerate(frames) if np.sqrt(np.mean(f * f)) >= threshold]
    return pcm[loud[0] * FRAME : (loud[-1] + 1) * FRAME]


def line_noise(seconds: float, rms: float = 400.0) -> bytes:
    """Steady hiss loud enough that endpointing never hears silence, with no words in it."""
    generator = np.random.default_rng(7)
    return (generator.normal(0, rms, int(RATE * seconds))).astype("<i2").tobytes()


def fake_results(server: FakeDeepgram) -> list[dict]:
    return [m for m in server.sessions[0].sent if m["type"] in ("Results", "UtteranceEnd")]


async def test_final_pieces_of_one_long_turn_become_one_segment(fake_deepgram: FakeDeepgram, speak) -> None:
    # Three phrases with short pauses (shorter than endpointing): one turn, as a caller says it.
    # (phrases pocketsphinx hears reliably through the telephone path)
    phrases = [
        "i want to cancel my account right now",
        "can i speak to your supervisor please",
        "i want to cancel my account right now",
    ]
    turn = silence(0.12).join(trimmed(speak(text, rate=RATE)) for text in phrases)
    recognizer = DeepgramRecognizer(
        "test-key", base_url=fake_deepgram.url, endpointing_ms=300, close_timeout_s=CLOSE_S
    )
    stream = await recognizer.open_stream(RATE)
    results_task = asyncio.create_task(collect(stream))
    await send_realtime_ish(stream, turn + silence(1.0))
    await stream.close()
    results = await asyncio.wait_for(results_task, 2 * CLOSE_S)

    sent = [m for m in fake_results(fake_deepgram) if m["type"] == "Results" and m["is_final"]]
    mid_speech = [m for m in sent if not m["speech_final"] and m["channel"]["alternatives"][0]["transcript"]]
    assert len(mid_speech) >= 2 and sent[-1]["speech_final"]  # Deepgram's pieces, not ours
    assert sum(1 for m in sent if m["channel"]["alternatives"][0]["transcript"]) == 3

    finals = [r for r in results if r.is_final]
    assert len(finals) == 1
    words = finals[0].recognition.text.split()
    assert [w for w in words if w in ("cancel", "supervisor")] == ["cancel", "supervisor", "cancel"]
    assert finals[0].start < 0.1 and finals[0].end > len(turn) / 2 / RATE - 0.2
    # The live view saw the turn grow, earlier pieces included.
    interims = [r for r in results if not r.is_final]
    assert any("cancel" in r.recognition.text and "supervisor" in r.recognition.text for r in interims)


async def test_utterance_end_closes_a_turn_that_never_goes_quiet(fake_deepgram: FakeDeepgram, speak) -> None:
    recognizer = DeepgramRecognizer(
        "test-key",
        base_url=fake_deepgram.url,
        endpointing_ms=300,
        utterance_end_ms=1000,
        close_timeout_s=CLOSE_S,
    )
    stream = await recognizer.open_stream(RATE)
    results: list[StreamResult] = []

    async def read() -> None:
        async for result in stream.results():
            results.append(result)

    reader = asyncio.create_task(read())
    await send_realtime_ish(stream, trimmed(speak("i want to cancel my account right now", rate=RATE)))
    # Noise keeps the line loud: no endpointing, so only UtteranceEnd can end the turn.
    noise = line_noise(3.0)
    await send_realtime_ish(stream, noise)
    deadline = asyncio.get_running_loop().time() + 120  # the fake decodes what was sent, then answers
    while not any(r.is_final for r in results):
        assert asyncio.get_running_loop().time() < deadline, fake_results(fake_deepgram)
        await asyncio.sleep(0.05)
    sent = fake_results(fake_deepgram)
    assert "UtteranceEnd" in [m["type"] for m in sent]
    assert not any(m.get("speech_final") for m in sent)
    kinds = [m["type"] if m["type"] == "UtteranceEnd" else m["is_final"] for m in sent]
    assert kinds[kinds.index("UtteranceEnd") - 1] is True  # a final piece, then UtteranceEnd
    final = next(r for r in results if r.is_final)
    assert {"cancel", "account"} <= set(final.recognition.text.split())
    await stream.close()
    await asyncio.wait_for(reader, 30)


async def test_word_confidences_are_kept(fake_deepgram: FakeDeepgram, speak) -> None:
    recognizer = DeepgramRecognizer("test-key", base_url=fake_deepgram.url, close_timeout_s=CLOSE_S)
    stream = await recognizer.open_stream(RATE)
    results_task = asyncio.create_task(collect(stream))
    await send_realtime_ish(stream, speak("can i speak to your supervisor please", rate=RATE) + silence(1.0))
    await stream.close()
    final = next(r for r in await asyncio.wait_for(results_task, 60) if r.is_final)

    sent_words = [
        w
        for m in fake_results(fake_deepgram)
        if m["type"] == "Results" and m["is_final"]
        for w in m["channel"]["alternatives"][0]["words"]
    ]
    assert [w.text for w in final.words] == [w["word"] for w in sent_words]
    assert [w.confidence for w in final.words] == [w["confidence"] for w in sent_words]
    assert final.recognition.confidence == pytest.approx(
        sum(w["confidence"] for w in sent_words) / len(sent_words)
    )
