"""What a hostile peer can hold: a Media Streams socket must `start` soon and keep
talking, the sockets open at once are capped, and the voice webhook reads only a
small form before it checks the signature (real uvicorn, real sockets)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from websockets.asyncio.client import connect

from ingest.adapters import twilio_routes
from ingest.events import CallEnded
from ingest.settings import IngestSettings
from simulator.twilio_dialer import TwilioStreamDialer, build_signed_voice_request

TOKEN = "limits-token-0123456789abcdef"
CALL_FORM = {"CallSid": "CAlimits", "From": "+15550100", "To": "+15550199", "CallStatus": "ringing"}


async def close_code(url: str) -> int | None:
    async with connect(url) as ws:
        await asyncio.wait_for(ws.wait_closed(), 10)
        return ws.close_code


async def test_a_stream_that_never_starts_is_closed(serve, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(twilio_routes, "START_TIMEOUT_S", 0.3)
    app = await serve()
    assert await close_code(f"{app.base_ws}/twilio/media") == 1008


async def test_a_started_stream_that_goes_silent_is_ended(serve, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(twilio_routes, "IDLE_TIMEOUT_S", 0.3)
    app = await serve()
    dialer = TwilioStreamDialer()
    await dialer.connect(f"{app.base_ws}/twilio/media", call_sid="CAsilent")
    assert await asyncio.wait_for(dialer.wait_closed(), 10) == 1008
    events = await app.sink.wait_call_ended("CAsilent")
    ended = events[-1]
    assert isinstance(ended, CallEnded) and ended.reason == "idle-timeout"
    await dialer.close()


async def test_streams_beyond_the_limit_are_refused_and_their_slots_come_back(serve) -> None:
    app = await serve(IngestSettings(twilio_max_streams=2))
    url = f"{app.base_ws}/twilio/media"
    first, second = TwilioStreamDialer(), TwilioStreamDialer()
    await first.connect(url, call_sid="CAone")
    await second.connect(url, call_sid="CAtwo")
    assert await close_code(url) == 1013
    await first.stop()
    await first.close()
    await app.sink.wait_call_ended("CAone")
    third = TwilioStreamDialer()
    await asyncio.sleep(0.1)
    await third.connect(url, call_sid="CAthree")  # the first one's slot is free again
    await third.stop()
    await app.sink.wait_call_ended("CAthree")
    await third.close()
    await second.close()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data; name=f; filename=a\r\n\r\n" + b"A" * 200_000 + b"\r\n--x--\r\n"),
        ("application/x-www-form-urlencoded", b"CallSid=CA1&Junk=" + b"A" * 200_000),
        ("application/json", b'{"CallSid": "CA1"}'),
    ],
    ids=["multipart", "oversized-form", "json"],
)  # fmt: skip
async def test_the_webhook_refuses_anything_but_a_small_form_unread(
    serve, content_type: str, body: bytes
) -> None:
    app = await serve(IngestSettings(twilio_auth_token=TOKEN))
    signed = build_signed_voice_request(f"{app.base_http}/twilio/voice", CALL_FORM, TOKEN)
    headers = {"X-Twilio-Signature": signed.headers["X-Twilio-Signature"], "content-type": content_type}
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{app.base_http}/twilio/voice", content=body, headers=headers)
        assert response.status_code == 403
        assert (await client.send(signed)).status_code == 200  # a real one still gets through
