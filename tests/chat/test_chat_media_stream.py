"""The Media Streams chat end to end: flite speech in through callmon's own pipeline
(pocketsphinx), the agent's reply out as espeak-ng mu-law frames, `clear` on interruption."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.worker import IngestWorker
from ingest.adapters.stream_tokens import TOKEN_PARAMETER, stream_token_valid
from ingest.adapters.twilio_security import SIGNATURE_HEADER, sign_request
from ingest.audio.mulaw import decode_mulaw
from ingest.settings import IngestSettings
from simulator.twilio_dialer import TwilioStreamDialer
from tests.chat.conftest import AUTH_TOKEN, WAIT_S
from tests.support.waiting import wait_until

CALL = "CAmediachat1"
FORM = {"CallSid": CALL, "From": "+15550000003"}


def flite_mulaw(tmp_path: Path, text: str) -> bytes:
    wav, raw = tmp_path / "line.wav", tmp_path / "line.ul"
    subprocess.run(["flite", "-voice", "rms", "-t", text, "-o", str(wav)], check=True)
    subprocess.run(
        ["sox", str(wav), "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw", str(raw)], check=True
    )
    return raw.read_bytes()


async def until(predicate, what: str) -> Any:
    return await wait_until(predicate, timeout=WAIT_S * 2, interval=0.1, message=what)


async def reply_audio(dialer: TwilioStreamDialer) -> tuple[list[str], bytes, str]:
    """Messages up to the next mark: (events seen, decoded PCM of the media, the mark's name)."""
    events: list[str] = []
    mulaw = bytearray()
    while True:
        message = orjson.loads(await asyncio.wait_for(dialer.websocket.recv(), WAIT_S))
        events.append(message["event"])
        assert message["streamSid"] == dialer.stream_sid
        if message["event"] == "media":
            frame = base64.b64decode(message["media"]["payload"])
            assert len(frame) == 160  # 20 ms frames
            mulaw += frame
        elif message["event"] == "mark":
            return events, decode_mulaw(bytes(mulaw)), message["mark"]["name"]


@pytest.fixture
async def worker(tmp_path: Path):
    settings = IngestSettings(
        db_path=tmp_path / "callmon.db", asr="sphinx", asr_threads=1, http_host="127.0.0.1", http_port=0
    )
    async with IngestWorker(settings, listen=False, alerts_enabled=False) as running:
        yield running


@pytest.mark.slow
async def test_media_chat_speech_in_translated_reply_out_and_clear(chat_app, worker, tmp_path: Path) -> None:
    # English caller, Spanish-speaking agent.
    app = await chat_app(sink=worker.sink, calls=worker.store, bus=worker.bus, agent_language="es")
    menu = ET.fromstring((await app.post("/twilio/chat/media", FORM)).text)
    connect = ET.fromstring((await app.post(menu.find("Gather").get("action"), {**FORM, "Digits": "1"})).text)
    stream = connect.find("Connect/Stream")
    parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    token = parameters.pop(TOKEN_PARAMETER)
    assert stream_token_valid(AUTH_TOKEN, CALL, token)
    assert parameters == {"chat": CALL, "language": "en"}
    assert stream.get("url").startswith("ws://127.0.0.1:") and stream.get("url").endswith(
        "/twilio/chat/media/stream"
    )

    dialer = TwilioStreamDialer()
    await dialer.connect(
        stream.get("url"),
        call_sid=CALL,
        custom_parameters={**parameters, TOKEN_PARAMETER: token},
        auth_token=AUTH_TOKEN,
        stream_token=False,  # only the token the webhook issued
    )
    end = await dialer.send_audio("inbound", flite_mulaw(tmp_path, "i want to cancel my account right now"))
    await dialer.send_audio("inbound", b"\xff" * 8000 * 2, start_ms=end)  # silence ends the utterance

    async def caller_line():
        lines = [m for m in await app.service.chats.list_messages(CALL) if m.sender == "caller"]
        return lines[0] if lines else None

    line = await until(caller_line, "the caller's line in the chat")
    assert "cancel" in line.text and line.language == "en"
    assert "anular mi cuenta" in line.translation.lower()  # Apertium eng-spa for the agent

    await app.service.chats.assign(CALL, "alice")
    first = await app.service.chats.add_message(
        CALL, "agent", "Puedo ayudarle hoy con su cuenta", "es", state="queued"
    )
    events, pcm, mark = await reply_audio(dialer)
    assert set(events) == {"media", "mark"} and events[-1] == "mark"
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    assert len(samples) / 8000 > 1.0  # a spoken sentence, not a click
    assert np.sqrt(np.mean(samples**2)) > 300  # and not silence
    stored = (await app.service.chats.list_messages(CALL))[-1]
    assert stored.id == first.id and stored.state == "playing" and "account" in stored.translation.lower()

    # A new reply before Twilio echoed the first mark: `clear` first, then the new audio.
    second = await app.service.chats.add_message(CALL, "agent", "Gracias", "es", state="queued")
    events, pcm, second_mark = await reply_audio(dialer)
    assert events[0] == "clear" and events[1] == "media" and second_mark != mark
    await dialer.send_mark(mark)  # Twilio returns the cleared mark too: it must not count as spoken
    await dialer.send_mark(second_mark)

    async def states():
        found = {m.id: m.state for m in await app.service.chats.list_messages(CALL)}
        return found if found[second.id] == "spoken" else None

    found = await until(states, "the second reply to be spoken")
    assert found[first.id] == "interrupted"

    await dialer.stop()
    await until(lambda: _ended(app, CALL), "the chat to end")
    await dialer.close()
    segments = await worker.store.list_segments(CALL)
    assert {s.speaker for s in segments} == {"caller", "agent"}
    assert [s.text for s in segments if s.speaker == "agent"] == [
        "Puedo ayudarle hoy con su cuenta",
        "Gracias",
    ]


async def _ended(app, chat_id: str) -> bool:
    chat = await app.service.chats.get_chat(chat_id)
    return chat is not None and chat.status == "ended"


async def test_unsigned_or_wrongly_signed_media_stream_is_closed_with_1008(chat_app) -> None:
    app = await chat_app()
    url = app.base.replace("http", "ws") + "/twilio/chat/media/stream"
    for headers in ({}, {SIGNATURE_HEADER: sign_request(url, {}, "wrong-token")}):
        async with connect(url, additional_headers=headers) as websocket:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(websocket.recv(), WAIT_S)
        assert closed.value.rcvd.code == 1008
