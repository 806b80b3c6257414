"""The /twilio/voice webhook (signature, TwiML), /healthz and mounting the router elsewhere."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest
from fastapi import FastAPI
from twilio_test_support import CollectingSink

from ingest.adapters.stream_tokens import TOKEN_PARAMETER, stream_token_valid
from ingest.adapters.twilio_routes import build_twilio_router
from ingest.adapters.twilio_voice import NOT_CONFIGURED_MESSAGE
from ingest.events import CallStarted
from ingest.settings import IngestSettings
from simulator.twilio_dialer import TwilioStreamDialer, build_signed_voice_request

TOKEN = "voice-token-fedcba9876543210"
CALL_FORM = {
    "CallSid": "CAvoice1",
    "From": "+15550100",
    "To": "+15550199",
    "AccountSid": "AC" + "1" * 32,
    "Direction": "inbound",
    "CallStatus": "ringing",
}


async def post(request: httpx.Request) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.send(request)


def stream_of(twiml: str) -> ET.Element:
    root = ET.fromstring(twiml)
    assert root.tag == "Response"
    stream = root.find("./Start/Stream")
    assert stream is not None, twiml
    return stream


async def test_signed_webhook_streams_both_tracks_then_dials(serve) -> None:
    app = await serve(IngestSettings(twilio_auth_token=TOKEN, twilio_dial_number="+15550123"))
    response = await post(build_signed_voice_request(f"{app.base_http}/twilio/voice", CALL_FORM, TOKEN))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    assert [child.tag for child in root] == ["Start", "Dial"]
    stream = stream_of(response.text)
    assert stream.get("url") == f"{app.base_ws}/twilio/media"
    assert stream.get("track") == "both_tracks"
    parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    token = parameters.pop(TOKEN_PARAMETER)
    assert stream_token_valid(TOKEN, "CAvoice1", token) and not stream_token_valid(TOKEN, "CAother", token)
    assert parameters == {"caller_number": "+15550100", "called_number": "+15550199", "call_sid": "CAvoice1"}
    assert root.find("Dial").text == "+15550123"


async def test_without_a_dial_number_it_explains_and_hangs_up(serve) -> None:
    app = await serve(IngestSettings())
    response = await post(build_signed_voice_request(f"{app.base_http}/twilio/voice", CALL_FORM, None))
    root = ET.fromstring(response.text)
    assert [child.tag for child in root] == ["Start", "Say", "Hangup"]
    assert root.find("Say").text == NOT_CONFIGURED_MESSAGE


def tampered(request: httpx.Request) -> httpx.Request:
    form = dict(CALL_FORM, From="+15559999")
    return httpx.Request(
        "POST", request.url, data=form, headers={"X-Twilio-Signature": request.headers["X-Twilio-Signature"]}
    )


@pytest.mark.parametrize("forge", ["unsigned", "wrong token", "tampered form", "other url"])
async def test_bad_signature_is_refused_with_403(serve, forge: str) -> None:
    app = await serve(IngestSettings(twilio_auth_token=TOKEN, twilio_dial_number="+15550123"))
    url = f"{app.base_http}/twilio/voice"
    request = {
        "unsigned": lambda: build_signed_voice_request(url, CALL_FORM, None),
        "wrong token": lambda: build_signed_voice_request(url, CALL_FORM, "not-the-token"),
        "tampered form": lambda: tampered(build_signed_voice_request(url, CALL_FORM, TOKEN)),
        "other url": lambda: build_signed_voice_request(
            url, CALL_FORM, TOKEN, signed_url="https://evil.example/twilio/voice"
        ),
    }[forge]()
    response = await post(request)
    assert response.status_code == 403
    assert "<Response" not in response.text


async def test_public_url_is_used_for_signature_and_stream_url(serve) -> None:
    settings = IngestSettings(twilio_auth_token=TOKEN, public_url="https://calls.example.com")
    app = await serve(settings)
    request = build_signed_voice_request(
        f"{app.base_http}/twilio/voice", CALL_FORM, TOKEN, signed_url="https://calls.example.com/twilio/voice"
    )
    response = await post(request)
    assert response.status_code == 200
    assert stream_of(response.text).get("url") == "wss://calls.example.com/twilio/media"
    local = await post(build_signed_voice_request(f"{app.base_http}/twilio/voice", CALL_FORM, TOKEN))
    assert local.status_code == 403


async def test_healthz_reports_status_and_extras(serve) -> None:
    app = await serve()
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{app.base_http}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "calls": 0}


async def test_router_mounted_under_a_prefix_in_another_app(serve) -> None:
    """The dashboard includes the router into its own app; URLs must follow the prefix."""
    sink = CollectingSink()
    host_app = FastAPI()
    host_app.include_router(build_twilio_router(IngestSettings(), sink), prefix="/ingest")
    app = await serve(app=host_app, sink=sink)
    response = await post(build_signed_voice_request(f"{app.base_http}/ingest/twilio/voice", CALL_FORM, None))
    stream_url = stream_of(response.text).get("url")
    assert stream_url == f"{app.base_ws}/ingest/twilio/media"

    dialer = TwilioStreamDialer()
    await dialer.connect(stream_url, call_sid="CAmounted", custom_parameters={"caller_number": "+1"})
    await dialer.stop()
    events = await sink.wait_call_ended("CAmounted")
    await dialer.close()
    assert isinstance(events[0], CallStarted) and events[0].metadata["caller_number"] == "+1"
