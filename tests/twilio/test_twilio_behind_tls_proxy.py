"""Twilio through a real TLS proxy (nginx on loopback) in front of the real worker.

Twilio signs the https:// and wss:// URLs it called; the worker sees http/ws
from the proxy. Either the configured public URL or a trusted proxy's
X-Forwarded-Proto must bring the signed URL back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from tls_proxy import PROXY_SOURCE, TlsProxy
from twilio.request_validator import RequestValidator
from twilio_test_support import WAIT_S, CollectingSink
from websockets.exceptions import ConnectionClosed

from app.worker import IngestWorker
from ingest.adapters.twilio_routes import build_twilio_router
from ingest.events import CallStarted
from ingest.settings import IngestSettings
from simulator.twilio_dialer import TwilioStreamDialer

TOKEN = "test-auth-token-0123456789abcdef"
FORM = {"CallSid": "CAproxied", "From": "+13125550147", "To": "+13125550100", "AccountSid": "AC1"}


@pytest.fixture
async def behind_proxy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[..., Awaitable[tuple[TlsProxy, CollectingSink]]]]:
    """Starts the worker (with or without the public URL / trusted proxy) and nginx in front."""
    running: list[tuple[IngestWorker, TlsProxy]] = []

    async def start(
        *, with_public_url: bool = False, forwarded_allow_ips: str | None = None
    ) -> tuple[TlsProxy, CollectingSink]:
        proxy = TlsProxy(tmp_path)
        sink = CollectingSink()
        worker = IngestWorker(
            IngestSettings(
                db_path=tmp_path / "calls.db",
                audiosocket_host="127.0.0.1",
                audiosocket_port=0,
                http_host="127.0.0.1",
                http_port=0,
                twilio_auth_token=TOKEN,
                public_url=proxy.public_url if with_public_url else None,
                forwarded_allow_ips=forwarded_allow_ips,
            ),
            alerts_enabled=False,
            tap=sink.submit,
        )
        await worker.start()
        running.append((worker, proxy))
        proxy.start(worker.http_port)
        # The simulated Twilio verifies the proxy's certificate like any TLS client.
        monkeypatch.setenv("SSL_CERT_FILE", str(proxy.cert))
        return proxy, sink

    yield start
    for worker, proxy in running:
        proxy.stop()
        await worker.stop()


async def post_voice_webhook(proxy: TlsProxy) -> httpx.Response:
    url = f"{proxy.public_url}/twilio/voice"
    signature = RequestValidator(TOKEN).compute_signature(url, FORM)
    async with httpx.AsyncClient(verify=str(proxy.cert), timeout=WAIT_S) as client:
        return await client.post(url, data=FORM, headers={"X-Twilio-Signature": signature})


def stream_url(twiml: str) -> str:
    stream = ElementTree.fromstring(twiml).find(".//Stream")
    assert stream is not None, twiml
    return stream.attrib["url"]


async def stream_a_call(proxy: TlsProxy, sink: CollectingSink, url: str) -> None:
    dialer = TwilioStreamDialer()
    await dialer.connect(url, call_sid="CAproxied", auth_token=TOKEN)  # signed over the wss URL
    await dialer.send_media("inbound", b"\xff" * 160, 0)
    await dialer.stop()
    await sink.wait_for(lambda events: any(isinstance(e, CallStarted) for e in events))
    await dialer.close()


async def test_untrusted_proxy_without_a_public_url_is_refused(behind_proxy) -> None:
    """The reported failure: the worker validates http:// and answers Twilio with 403."""
    proxy, _ = await behind_proxy()
    response = await post_voice_webhook(proxy)
    assert response.status_code == 403


async def test_a_trusted_proxy_brings_back_https_and_wss(behind_proxy) -> None:
    proxy, sink = await behind_proxy(forwarded_allow_ips=PROXY_SOURCE)
    response = await post_voice_webhook(proxy)
    assert response.status_code == 200, response.text
    url = stream_url(response.text)
    assert url == f"wss://127.0.0.1:{proxy.port}/twilio/media"
    await stream_a_call(proxy, sink, url)


async def test_the_public_url_alone_is_enough(behind_proxy) -> None:
    proxy, sink = await behind_proxy(with_public_url=True)  # the proxy stays untrusted
    response = await post_voice_webhook(proxy)
    assert response.status_code == 200, response.text
    url = stream_url(response.text)
    assert url == f"wss://127.0.0.1:{proxy.port}/twilio/media"
    await stream_a_call(proxy, sink, url)


async def test_an_unsigned_stream_through_the_proxy_is_closed_with_1008(behind_proxy) -> None:
    proxy, _ = await behind_proxy(forwarded_allow_ips=PROXY_SOURCE)
    dialer = TwilioStreamDialer()
    try:
        await dialer.connect(
            f"wss://127.0.0.1:{proxy.port}/twilio/media", call_sid="CAforged", auth_token="wrong"
        )
    except ConnectionClosed:
        pass  # closed before our first frames went out
    assert await asyncio.wait_for(dialer.wait_closed(), WAIT_S) == 1008


@pytest.mark.parametrize(
    ("http_host", "public_url", "trusted", "warned"),
    [
        ("0.0.0.0", None, None, True),
        ("0.0.0.0", "https://calls.example.com", None, False),
        ("0.0.0.0", None, "10.0.0.7", False),
        ("127.0.0.1", None, None, False),
    ],
)
def test_start_up_warns_when_signatures_cannot_match_behind_a_proxy(
    caplog: pytest.LogCaptureFixture,
    http_host: str,
    public_url: str | None,
    trusted: str | None,
    warned: bool,
) -> None:
    settings = IngestSettings(
        twilio_auth_token=TOKEN, http_host=http_host, public_url=public_url, forwarded_allow_ips=trusted
    )
    with caplog.at_level(logging.WARNING):
        build_twilio_router(settings, CollectingSink())
    assert any("CALLMON_PUBLIC_URL" in r.getMessage() for r in caplog.records) is warned
