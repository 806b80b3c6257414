"""Attacks on call identity: a stream naming a live call, replayed signatures, legs."""

from __future__ import annotations

import asyncio
import logging
import uuid
import xml.etree.ElementTree as ET

import httpx
import pytest

from ingest.adapters.stream_tokens import TOKEN_PARAMETER
from simulator.audiosocket_dialer import AudioSocketDialer
from simulator.twilio_dialer import TwilioStreamDialer, build_signed_voice_request
from tests.security.conftest import WAIT_S, StartWorker, until

TOKEN = "security-test-token-0123456789abcdef"
POLICY_VIOLATION = 1008


def tone(index: int) -> bytes:
    return bytes((index * 7 + i) % 256 for i in range(320))


async def healthz(port: int) -> dict[str, object]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/healthz")
        return dict(response.json())


async def test_twilio_stream_naming_a_live_audiosocket_call_is_refused_and_cannot_end_it(
    start_worker: StartWorker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    worker = await start_worker()
    victim_uuid = uuid.uuid4()
    victim = AudioSocketDialer()
    await victim.connect("127.0.0.1", worker.audiosocket_port, victim_uuid)
    await victim.send_audio(tone(0) * 10)
    call_id = str(victim_uuid)

    async def victim_active() -> bool:
        summary = await worker.store.get_call(call_id)
        return summary is not None and summary.status == "active"

    await until(victim_active, "the AudioSocket call to be stored as active")

    attacker = TwilioStreamDialer()
    await attacker.connect(
        f"ws://127.0.0.1:{worker.http_port}/twilio/media",
        call_sid=call_id,
        custom_parameters={"role": "agent"},
    )
    assert await asyncio.wait_for(attacker.wait_closed(), WAIT_S) == POLICY_VIOLATION
    assert "call-id-in-use" in caplog.text

    # The refused stream's disconnect ended nothing: the victim still streams and is live.
    await victim.send_audio(tone(1) * 10)
    assert call_id in worker.pipeline.active_call_ids
    assert await victim_active()
    health = await healthz(worker.http_port)
    assert health["refused_calls"] == {"call-id-in-use": 1}

    await victim.hangup()
    await victim.close()

    async def ended() -> object:
        summary = await worker.store.get_call(call_id)
        return summary if summary is not None and summary.status == "ended" else None

    summary = await until(ended, "the victim call to end")
    assert summary.source == "audiosocket"
    assert "role" not in (summary.metadata or {})  # nothing of the attacker's start was merged


async def test_a_second_twilio_stream_for_a_live_call_sid_is_refused(start_worker: StartWorker) -> None:
    worker = await start_worker()
    url = f"ws://127.0.0.1:{worker.http_port}/twilio/media"
    first, second = TwilioStreamDialer(), TwilioStreamDialer()
    await first.connect(url, call_sid="CAvictim")
    await first.send_audio("inbound", b"\xff" * 1600)
    await until(lambda: _is_live(worker, "CAvictim"), "the first stream's call")
    await second.connect(url, call_sid="CAvictim")
    assert await asyncio.wait_for(second.wait_closed(), WAIT_S) == POLICY_VIOLATION
    await first.send_audio("inbound", b"\xff" * 1600, start_ms=200)
    assert "CAvictim" in worker.pipeline.active_call_ids
    await first.stop()
    await first.close()


async def _is_live(worker: object, call_id: str) -> bool:
    return call_id in worker.pipeline.active_call_ids  # type: ignore[attr-defined]


async def _stream_and_hang_up(worker: object, url: str, call_sid: str, parameters: dict[str, object]) -> None:
    """Open `call_sid`'s stream with the webhook's `parameters`, see it live, hang up."""
    call = TwilioStreamDialer()
    await call.connect(
        url, call_sid=call_sid, custom_parameters=parameters, auth_token=TOKEN, stream_token=False
    )
    await until(lambda: _is_live(worker, call_sid), f"call {call_sid} to go live")
    await call.stop()
    await call.close()


async def test_with_a_token_a_start_needs_the_per_call_token_of_its_own_call_sid(
    start_worker: StartWorker,
) -> None:
    worker = await start_worker(twilio_auth_token=TOKEN, twilio_dial_number="+15550123")
    base = f"http://127.0.0.1:{worker.http_port}"
    form = {"CallSid": "CAissued", "From": "+15550100", "To": "+15550199"}
    async with httpx.AsyncClient() as client:
        answer = await client.send(build_signed_voice_request(f"{base}/twilio/voice", form, TOKEN))
    stream = ET.fromstring(answer.text).find("./Start/Stream")
    assert stream is not None
    parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    issued = parameters[TOKEN_PARAMETER]
    url = f"ws://127.0.0.1:{worker.http_port}/twilio/media"

    # The upgrade signature covers only the URL, so it replays; the token must not.
    attacks = {
        "no token": {},
        "token of another call": {TOKEN_PARAMETER: issued},
        "forged token": {TOKEN_PARAMETER: issued.split(".")[0] + "." + "0" * 64},
        "expired token": {TOKEN_PARAMETER: "1." + issued.split(".")[1]},
    }
    for name, custom in attacks.items():
        attacker = TwilioStreamDialer()
        await attacker.connect(
            url, call_sid="CAvictim", custom_parameters=custom, auth_token=TOKEN, stream_token=False
        )
        assert await asyncio.wait_for(attacker.wait_closed(), WAIT_S) == POLICY_VIOLATION, name
    assert worker.pipeline.active_call_ids == []

    await _stream_and_hang_up(worker, url, "CAissued", parameters)

    async def ended() -> object:
        summary = await worker.store.get_call("CAissued")
        return summary if summary is not None and summary.status == "ended" else None

    await until(ended, "the issued call to end")
    # Its token replayed after the call ended, with other parameters: refused, and the
    # stored call keeps its own (an adversarial review reopened it and changed its agent).
    replay = TwilioStreamDialer()
    await replay.connect(
        url,
        call_sid="CAissued",
        custom_parameters={**parameters, "agent_id": "mallory"},
        auth_token=TOKEN,
        stream_token=False,
    )
    assert await asyncio.wait_for(replay.wait_closed(), WAIT_S) == POLICY_VIOLATION
    summary = await worker.store.get_call("CAissued")
    assert summary is not None and summary.status == "ended" and summary.agent != "mallory"
    assert (await healthz(worker.http_port))["refused_calls"] == {"stream-token-used": 1}


async def test_a_replayed_voice_webhook_cannot_mint_a_token_for_a_call_that_streamed(
    start_worker: StartWorker,
) -> None:
    """Twilio signs the webhook over its form, with no time in it: replayed after the
    call streamed, it would issue a fresh token that reopens the ended call."""
    worker = await start_worker(twilio_auth_token=TOKEN, twilio_dial_number="+15550123")
    base = f"http://127.0.0.1:{worker.http_port}"
    form = {"CallSid": "CAonce", "From": "+15550100", "To": "+15550199"}
    signed = build_signed_voice_request(f"{base}/twilio/voice", form, TOKEN)
    async with httpx.AsyncClient() as client:
        answer = await client.send(signed)
        # Asked again before any stream started (a retried webhook): still served.
        again = await client.send(build_signed_voice_request(f"{base}/twilio/voice", form, TOKEN))
    assert ET.fromstring(again.text).find("./Start/Stream") is not None
    stream = ET.fromstring(answer.text).find("./Start/Stream")
    assert stream is not None
    parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    url = f"ws://127.0.0.1:{worker.http_port}/twilio/media"
    await _stream_and_hang_up(worker, url, "CAonce", parameters)

    async with httpx.AsyncClient() as client:
        replayed = await client.send(build_signed_voice_request(f"{base}/twilio/voice", form, TOKEN))
    assert replayed.status_code == 200
    twiml = ET.fromstring(replayed.text)
    assert twiml.find("./Start/Stream") is None and twiml.find("./Hangup") is not None
    assert TOKEN_PARAMETER not in replayed.text
    assert (await healthz(worker.http_port))["refused_calls"] == {"call-already-streamed": 1}
    # Another call is still answered as ever.
    other = {**form, "CallSid": "CAother"}
    async with httpx.AsyncClient() as client:
        fresh = await client.send(build_signed_voice_request(f"{base}/twilio/voice", other, TOKEN))
    assert ET.fromstring(fresh.text).find("./Start/Stream") is not None


async def test_a_webhook_replayed_after_a_restart_is_refused_from_the_store(
    start_worker: StartWorker,
) -> None:
    """The worker's memory of streamed calls dies with it; the store does not. A new
    worker on the same store (a restart, or another worker of the fleet) hangs up."""
    first = await start_worker(twilio_auth_token=TOKEN, twilio_dial_number="+15550123")
    form = {"CallSid": "CArestart", "From": "+15550100", "To": "+15550199"}
    async with httpx.AsyncClient() as client:
        answer = await client.send(
            build_signed_voice_request(f"http://127.0.0.1:{first.http_port}/twilio/voice", form, TOKEN)
        )
    stream = ET.fromstring(answer.text).find("./Start/Stream")
    assert stream is not None
    parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    await _stream_and_hang_up(
        first, f"ws://127.0.0.1:{first.http_port}/twilio/media", "CArestart", parameters
    )
    await first.stop()

    second = await start_worker(twilio_auth_token=TOKEN, twilio_dial_number="+15550123")
    base = f"http://127.0.0.1:{second.http_port}"
    async with httpx.AsyncClient() as client:
        replayed = await client.send(build_signed_voice_request(f"{base}/twilio/voice", form, TOKEN))
        fresh = await client.send(
            build_signed_voice_request(f"{base}/twilio/voice", {**form, "CallSid": "CAnext"}, TOKEN)
        )
    twiml = ET.fromstring(replayed.text)
    assert twiml.find("./Start/Stream") is None and twiml.find("./Hangup") is not None
    assert TOKEN_PARAMETER not in replayed.text
    assert (await healthz(second.http_port))["refused_calls"] == {"call-already-streamed": 1}
    assert ET.fromstring(fresh.text).find("./Start/Stream") is not None


async def test_audiosocket_legs_join_only_by_the_leg_convention(start_worker: StartWorker) -> None:
    worker = await start_worker()
    mixed = uuid.uuid4()
    text = str(mixed)
    caller_leg = uuid.UUID(text[:14] + "c" + text[15:])
    first, intruder = AudioSocketDialer(), AudioSocketDialer()
    await first.connect("127.0.0.1", worker.audiosocket_port, mixed)
    await first.send_audio(tone(0))
    await until(lambda: _is_live(worker, text), "the mixed call")
    # A caller leg of a call that is already a mixed stream would merge into it: refused.
    await intruder.connect("127.0.0.1", worker.audiosocket_port, caller_leg)
    await asyncio.wait_for(intruder.closed_by_server.wait(), WAIT_S)
    await first.send_audio(tone(1))
    assert text in worker.pipeline.active_call_ids
    await first.hangup()
    await first.close()
    await intruder.close()


async def test_max_calls_refuses_new_calls_cleanly_and_counts_them(start_worker: StartWorker) -> None:
    worker = await start_worker(max_calls=1)
    admitted, refused_socket = AudioSocketDialer(), AudioSocketDialer()
    await admitted.connect("127.0.0.1", worker.audiosocket_port, uuid.uuid4())
    await admitted.send_audio(tone(0))
    await refused_socket.connect("127.0.0.1", worker.audiosocket_port, uuid.uuid4())
    await asyncio.wait_for(refused_socket.closed_by_server.wait(), WAIT_S)
    refused_stream = TwilioStreamDialer()
    await refused_stream.connect(f"ws://127.0.0.1:{worker.http_port}/twilio/media", call_sid="CAfull")
    assert await asyncio.wait_for(refused_stream.wait_closed(), WAIT_S) == POLICY_VIOLATION
    health = await healthz(worker.http_port)
    assert health["refused_calls"] == {"max-calls": 2} and health["max_calls"] == 1
    assert len(worker.pipeline.active_call_ids) == 1
    await admitted.hangup()
    await admitted.close()
    await refused_socket.close()


async def test_a_chat_webhook_naming_a_live_call_neither_takes_it_over_nor_ends_it(
    start_worker: StartWorker,
) -> None:
    worker = await start_worker()
    victim_uuid = uuid.uuid4()
    call_id = str(victim_uuid)
    victim = AudioSocketDialer()
    await victim.connect("127.0.0.1", worker.audiosocket_port, victim_uuid)
    await victim.send_audio(tone(0) * 10)
    await until(lambda: _is_live(worker, call_id), "the AudioSocket call")
    base = f"http://127.0.0.1:{worker.http_port}"
    form = {"CallSid": call_id, "From": "+15550100"}
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{base}/twilio/chat/voice", data=form)
        assert ET.fromstring(answer.text).find("Hangup") is not None
        await client.post(f"{base}/twilio/chat/status", data={**form, "CallStatus": "completed"})
    assert worker.chats is not None and await worker.chats.get_chat(call_id) is None
    summary = await worker.store.get_call(call_id)
    assert summary is not None and summary.status == "active" and summary.source == "audiosocket"
    assert call_id in worker.pipeline.active_call_ids
    await victim.hangup()
    await victim.close()


async def test_an_audiosocket_leg_naming_a_live_twilio_call_is_refused(start_worker: StartWorker) -> None:
    worker = await start_worker()
    shared = uuid.uuid4()
    stream = TwilioStreamDialer()
    await stream.connect(f"ws://127.0.0.1:{worker.http_port}/twilio/media", call_sid=str(shared))
    await stream.send_audio("inbound", b"\xff" * 1600)
    await until(lambda: _is_live(worker, str(shared)), "the Twilio call")
    intruder = AudioSocketDialer()
    await intruder.connect("127.0.0.1", worker.audiosocket_port, shared)
    await asyncio.wait_for(intruder.closed_by_server.wait(), WAIT_S)
    await intruder.close()
    await stream.send_audio("inbound", b"\xff" * 1600, start_ms=200)
    summary = await worker.store.get_call(str(shared))
    assert summary is not None and summary.status == "active" and summary.source == "twilio"
    await stream.stop()
    await stream.close()
