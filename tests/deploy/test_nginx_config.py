"""deploy/nginx/callmon.conf: `nginx -t` accepts it, and a real nginx running it
in front of a real worker terminates TLS, upgrades Twilio's Media Streams and
listen-in WebSockets and forwards what Twilio signature validation needs."""

from __future__ import annotations

import asyncio
import re
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

from app.listen_route import FRAME_HEADER
from app.worker import IngestWorker
from bench.live_call import LiveCall
from ingest.adapters.stream_tokens import TOKEN_PARAMETER, issue_stream_token
from ingest.adapters.twilio_security import SIGNATURE_HEADER, sign_request
from ingest.events import Recognition
from ingest.pipeline.listen_token import issue_listen_token
from ingest.settings import IngestSettings
from simulator.twilio_dialer import build_signed_voice_request
from tests.deploy.conftest import DEPLOY, WAIT_LIMIT, free_port, require_tool, stop_process, wait_for_port

SITE = DEPLOY / "nginx" / "callmon.conf"
AUTH_TOKEN = "nginx-test-token"
CALL_SID = "CA" + "5" * 32


def nginx_prefix(tmp: Path, site: str) -> Path:
    """A private prefix: the site inside a minimal nginx.conf whose pid, logs and
    temp folders all live in `tmp` (nothing touches /etc/nginx or /var)."""
    (tmp / "site.conf").write_text(site)
    (tmp / "nginx.conf").write_text(
        f"""
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
"""
    )
    return tmp / "nginx.conf"


def with_certificate(site: str, certificate: tuple[Path, Path]) -> str:
    cert, key = certificate
    site = re.sub(r"(ssl_certificate\s+)\S+;", rf"\g<1>{cert};", site)
    return re.sub(r"(ssl_certificate_key\s+)\S+;", rf"\g<1>{key};", site)


def nginx_test(nginx: str, conf: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [nginx, "-t", "-p", str(conf.parent), "-c", str(conf), "-e", str(conf.parent / "error.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_nginx_accepts_the_configuration(tmp_path: Path, tls_certificate: tuple[Path, Path]) -> None:
    nginx = require_tool("nginx", "nginx")
    conf = nginx_prefix(tmp_path, with_certificate(SITE.read_text(), tls_certificate))
    done = nginx_test(nginx, conf)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_nginx_test_rejects_a_broken_copy(tmp_path: Path, tls_certificate: tuple[Path, Path]) -> None:
    """The check above can fail: the same harness refuses a bad directive."""
    nginx = require_tool("nginx", "nginx")
    site = with_certificate(SITE.read_text(), tls_certificate).replace("3600s", "forever", 1)
    done = nginx_test(nginx, nginx_prefix(tmp_path, site))
    assert done.returncode != 0 and 'proxy_read_timeout" directive invalid value' in done.stderr


def test_configuration_carries_the_settings_twilio_and_websockets_need() -> None:
    site = re.sub(r"#[^\n]*", "", SITE.read_text())
    headers = dict(re.findall(r"proxy_set_header\s+(\S+)\s+(\S+);", site))
    assert headers == {
        "Host": "$http_host",
        "X-Forwarded-Proto": "$scheme",
        "X-Forwarded-Host": "$http_host",
        "X-Forwarded-For": "$proxy_add_x_forwarded_for",
        "X-Real-IP": "$remote_addr",
        "Upgrade": "$http_upgrade",
        "Connection": "$callmon_connection_upgrade",
    }
    locations = re.findall(r"location\s+([^{\s]+)\s*\{([^}]*)\}", site)
    proxied = {path.strip(): body for path, body in locations if "proxy_pass" in body}
    assert set(proxied) == {"/twilio/", "/twilio/chat/", "/listen/", "/"}
    assert "http://callmon_twilio;" in proxied["/listen/"]  # the workers, not the dashboards
    for body in proxied.values():
        # A location with its own proxy_set_header would silently drop the server's.
        assert "proxy_set_header" not in body
        assert "proxy_read_timeout 3600s;" in body and "proxy_send_timeout 3600s;" in body


class SilentEngine:
    """Speech-to-text is not what this test is about; any engine will do."""

    name = "silent"

    def recognize(self, pcm16k: bytes, language: str | None = None) -> Recognition:
        return Recognition(text="", confidence=0.0)


@dataclass
class Proxy:
    https_port: int
    http_port: int
    worker: IngestWorker
    ssl: ssl.SSLContext

    @property
    def https(self) -> str:
        return f"https://localhost:{self.https_port}"


@pytest.fixture
async def worker(tmp_path: Path) -> AsyncIterator[IngestWorker]:
    settings = IngestSettings(
        db_path=tmp_path / "callmon.db",
        audiosocket_host="127.0.0.1",
        audiosocket_port=0,
        http_host="127.0.0.1",
        http_port=0,
        twilio_auth_token=AUTH_TOKEN,
    )
    async with IngestWorker(settings, alerts_enabled=False, engine=SilentEngine()) as running:
        yield running


@pytest.fixture
def proxy(worker: IngestWorker, tmp_path: Path, tls_certificate: tuple[Path, Path]) -> Iterator[Proxy]:
    """nginx running the site, every upstream pointed at `worker`, on free ports."""
    nginx = require_tool("nginx", "nginx")
    https_port, http_port = free_port(), free_port()
    site = with_certificate(SITE.read_text(), tls_certificate)
    site = re.sub(r"\s*listen \[::\]:\d+[^;]*;", "", site)  # no IPv6 needed on loopback
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = re.sub(r"127\.0\.0\.1:80(81|82|95|96)\b", f"127.0.0.1:{worker.http_port}", site)
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    conf = nginx_prefix(prefix, site)
    process = subprocess.Popen(
        [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log"),
         "-g", "daemon off; master_process off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(https_port, process)
        context = ssl.create_default_context(cafile=str(tls_certificate[0]))
        yield Proxy(https_port, http_port, worker, context)
    finally:
        stop_process(process)


async def test_dashboard_route_is_served_over_tls_and_http_redirects(proxy: Proxy) -> None:
    async with httpx.AsyncClient(verify=proxy.ssl, timeout=WAIT_LIMIT) as client:
        health = await client.get(f"{proxy.https}/healthz")
        plain = await client.get(f"http://localhost:{proxy.http_port}/twilio/voice")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert plain.status_code == 301
    assert plain.headers["location"] == "https://localhost/twilio/voice"


async def test_signed_twilio_webhook_validates_behind_the_proxy(proxy: Proxy) -> None:
    url = f"{proxy.https}/twilio/voice"
    form = {"CallSid": CALL_SID, "From": "+15550001111", "To": "+15550002222"}
    async with httpx.AsyncClient(verify=proxy.ssl, timeout=WAIT_LIMIT) as client:
        answered = await client.send(build_signed_voice_request(url, form, AUTH_TOKEN))
        # Signed for the URL the worker would see without X-Forwarded-Proto and Host.
        inner = f"http://127.0.0.1:{proxy.worker.http_port}/twilio/voice"
        refused = await client.send(build_signed_voice_request(url, form, AUTH_TOKEN, signed_url=inner))
    assert answered.status_code == 200, answered.text
    assert f'url="wss://localhost:{proxy.https_port}/twilio/media"' in answered.text
    assert refused.status_code == 403


async def test_media_stream_websocket_is_upgraded_through_the_proxy(proxy: Proxy) -> None:
    url = f"wss://localhost:{proxy.https_port}/twilio/media"
    headers = {SIGNATURE_HEADER: sign_request(url, {}, AUTH_TOKEN)}
    stream_sid = "MZ" + "5" * 32
    start = {
        "event": "start",
        "sequenceNumber": "1",
        "streamSid": stream_sid,
        "start": {
            "streamSid": stream_sid,
            "accountSid": "AC" + "0" * 32,
            "callSid": CALL_SID,
            "tracks": ["inbound"],
            # What /twilio/voice put in the <Stream>: the stream is bound to its call.
            "customParameters": {TOKEN_PARAMETER: issue_stream_token(AUTH_TOKEN, CALL_SID)},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        },
    }
    async with connect(url, ssl=proxy.ssl, additional_headers=headers) as websocket:
        await websocket.send(
            orjson.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}).decode()
        )
        await websocket.send(orjson.dumps(start).decode())
        media = {"event": "media", "sequenceNumber": "2", "streamSid": stream_sid,
                 "media": {"track": "inbound", "chunk": "1", "timestamp": "0", "payload": "/" * 216}}  # fmt: skip
        await websocket.send(orjson.dumps(media).decode())
        stop = {"event": "stop", "sequenceNumber": "3", "streamSid": stream_sid,
                "stop": {"accountSid": "AC" + "0" * 32, "callSid": CALL_SID}}  # fmt: skip
        await websocket.send(orjson.dumps(stop).decode())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_LIMIT
    while (call := await proxy.worker.store.get_call(CALL_SID)) is None or call.status != "ended":
        assert loop.time() < deadline, f"call not ended through the proxy: {call}"
        await asyncio.sleep(0.05)
    assert call.source == "twilio"


async def test_listen_in_websocket_reaches_a_worker_through_the_proxy(proxy: Proxy) -> None:
    secret = "nginx-listen-secret-0123456789-abcdefghijklmnop"
    proxy.worker.listen_secret = secret
    async with LiveCall(proxy.worker.audiosocket_port) as call:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_LIMIT
        while call.call_id not in proxy.worker.pipeline.active_call_ids:
            assert loop.time() < deadline, "the call never went live"
            await asyncio.sleep(0.02)
        token = issue_listen_token(secret, call.call_id, "sue", "supervisor")
        url = f"wss://localhost:{proxy.https_port}/listen/{call.call_id}?token={token}&format=mulaw"
        async with connect(url, ssl=proxy.ssl) as websocket:
            hello = orjson.loads(await asyncio.wait_for(websocket.recv(), WAIT_LIMIT))
            assert hello["type"] == "listening" and hello["call_id"] == call.call_id
            frame = await asyncio.wait_for(websocket.recv(), WAIT_LIMIT)
            assert isinstance(frame, bytes) and len(frame) == FRAME_HEADER.size + 160
