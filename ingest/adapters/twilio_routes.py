"""The ingest worker's HTTP side: Twilio's voice webhook and Media Streams socket.

`build_twilio_router()` is self-contained so the dashboard can mount the same
routes in its own FastAPI app; `app.http_app.build_ingest_app()` wraps it with
the chat's routes and `/healthz` for a worker that runs without the dashboard.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Request, Response, WebSocket
from starlette.datastructures import FormData, UploadFile

from ingest.adapters.stream_tokens import issue_stream_token
from ingest.adapters.twilio_limits import (
    IDLE_TIMEOUT_S,
    MAX_MESSAGE_BYTES,
    MAX_WEBHOOK_BYTES,
    MESSAGE_TOO_BIG,
    POLICY_VIOLATION,
    START_TIMEOUT_S,
    TRY_AGAIN_LATER,
)
from ingest.adapters.twilio_media import MediaStreamSession
from ingest.adapters.twilio_security import TwilioSignatureChecker, proxy_setup_problem, public_request_url
from ingest.adapters.twilio_voice import build_voice_twiml, hang_up_twiml
from ingest.events import CallEventSink
from ingest.log_limits import RateLimitedLog
from ingest.pipeline.admission import CallAdmission
from ingest.settings import IngestSettings

log = logging.getLogger(__name__)
_timeouts_log = RateLimitedLog(log)
_refusals_log = RateLimitedLog(log)
MAX_FORM_FIELDS = 200
"""Twilio's voice webhook sends about 20 fields."""

MEDIA_ROUTE_NAME = "twilio_media"
__all__ = ["MEDIA_ROUTE_NAME", "POLICY_VIOLATION", "OpenStreams", "build_twilio_router", "pump_stream"]


class OpenStreams:
    """Media Streams sockets open at once on one router; an upgrade beyond `limit` is
    closed with 1013 (try again later), so sockets cannot use up the worker's files."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0

    def take(self) -> bool:
        if self.open >= self.limit:
            return False
        self.open += 1
        return True

    def give_back(self) -> None:
        self.open -= 1


def build_twilio_router(
    settings: IngestSettings, sink: CallEventSink, admission: CallAdmission | None = None
) -> APIRouter:
    """`POST /twilio/voice` and the `/twilio/media` WebSocket, delivering to `sink`;
    `admission` is the worker's registry of live calls (shared with every adapter)."""
    admission = admission if admission is not None else CallAdmission()
    checker = TwilioSignatureChecker(settings.twilio_auth_token) if settings.twilio_auth_token else None
    if checker is None:
        log.warning("no Twilio auth token configured: Twilio signatures are NOT checked")
    problem = proxy_setup_problem(
        signatures_checked=checker is not None,
        http_host=settings.http_host,
        public_url=settings.public_url,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    if problem:
        log.warning(problem)
    router = APIRouter()
    streams = OpenStreams(settings.twilio_max_streams)

    @router.post("/twilio/voice", name="twilio_voice")
    async def twilio_voice(request: Request) -> Response:
        fields = await signed_form_fields(request, checker, settings, "twilio voice webhook")
        if fields is None:
            return Response("invalid Twilio signature", status_code=403, media_type="text/plain")
        stream_url = public_request_url(
            str(request.url_for(MEDIA_ROUTE_NAME)), settings.public_url, websocket=True
        )
        token = settings.twilio_auth_token
        call_sid = fields.get("CallSid", "")
        if token and call_sid and await admission.refuse_replayed_webhook(call_sid):
            # Twilio asks once per call: a signed answer for a call that has already
            # streamed is a replay, and would mint a fresh token to reopen it.
            _refusals_log.warning(
                "replayed voice webhook",
                "twilio voice webhook for call %r, which has already streamed: a replay, hung up",
                call_sid[:64],
            )
            return Response(hang_up_twiml(), media_type="application/xml")
        stream_token = issue_stream_token(token, call_sid) if token and call_sid else None
        twiml = build_voice_twiml(stream_url, fields, settings.twilio_dial_number, stream_token)
        return Response(twiml, media_type="application/xml")

    @router.websocket("/twilio/media", name=MEDIA_ROUTE_NAME)
    async def twilio_media(websocket: WebSocket) -> None:
        peer = await accept_signed_stream(websocket, checker, settings, "twilio stream", streams)
        if peer is None:
            return
        session = MediaStreamSession(
            sink,
            connection=peer,
            admission=admission,
            auth_token=settings.twilio_auth_token,
            pacing=settings.pacing,
        )
        try:
            async for _message in pump_stream(websocket, session):
                pass
        finally:
            session.close("disconnect")
            streams.give_back()

    return router


async def pump_stream(websocket: WebSocket, session: MediaStreamSession) -> AsyncIterator[object]:
    """Feed each message to `session`, yielding it decoded; close the socket (and stop)
    on a message over `MAX_MESSAGE_BYTES` (1009), when the session refused (1008), when
    no `start` came within `START_TIMEOUT_S` or nothing at all for `IDLE_TIMEOUT_S` (1008)."""
    loop = asyncio.get_running_loop()
    start_by = loop.time() + START_TIMEOUT_S
    while True:
        started = session.call_id is not None
        wait = IDLE_TIMEOUT_S if started else max(0.0, start_by - loop.time())
        try:
            async with asyncio.timeout(wait):
                message = await websocket.receive()
        except TimeoutError:
            reason = (
                f"idle: no message for {IDLE_TIMEOUT_S:g} s"
                if started
                else f"no start within {START_TIMEOUT_S:g} s"
            )
            # Once a minute per kind at most: thousands of idle sockets must not flood the log.
            _timeouts_log.warning("idle" if started else "no start", "twilio stream: %s, closing", reason)
            session.close("idle-timeout")
            try:
                await websocket.close(code=POLICY_VIOLATION, reason=reason)
            except (RuntimeError, OSError):
                pass  # the peer went at the same moment
            return
        if message["type"] == "websocket.disconnect":
            return
        data = message.get("text")
        if data is None:
            data = message.get("bytes")
        if not data:
            continue
        if len(data) > MAX_MESSAGE_BYTES:
            log.warning("twilio stream: %d-byte message (limit %d), closing", len(data), MAX_MESSAGE_BYTES)
            await websocket.close(code=MESSAGE_TOO_BIG, reason="message too big")
            return
        try:
            decoded: object = orjson.loads(data)
        except orjson.JSONDecodeError:
            session.receive_text(data)  # logs and drops it
            continue
        session.receive_message(decoded)
        if session.refusal is not None:
            await websocket.close(code=POLICY_VIOLATION, reason=session.refusal[:120])
            return
        yield decoded


async def accept_signed_stream(
    websocket: WebSocket,
    checker: TwilioSignatureChecker | None,
    settings: IngestSettings,
    what: str,
    streams: OpenStreams,
) -> str | None:
    """Accept a Media Streams upgrade; the peer's address when its signature holds
    and `streams` has room (taken: the caller gives it back), else None after closing
    it with 1008 or 1013 (accepted first so the peer sees the close code, not a bare
    HTTP 403)."""
    peer = f"{websocket.client.host}:{websocket.client.port}" if websocket.client else "?"
    if not streams.take():
        _refusals_log.warning(
            "too many streams",
            "%s %s: %d streams open (CALLMON_TWILIO_MAX_STREAMS), refusing",
            what,
            peer,
            streams.open,
        )
        await websocket.accept()
        await websocket.close(code=TRY_AGAIN_LATER, reason="too many streams")
        return None
    signature_ok = checker is None or checker.is_valid(
        public_request_url(str(websocket.url), settings.public_url, websocket=True),
        {},
        websocket.headers,
        also_accept_scheme_twin=True,
    )
    try:
        await websocket.accept()
    except BaseException:
        streams.give_back()  # the peer went before the upgrade completed: the slot is free
        raise
    if signature_ok:
        return peer
    streams.give_back()
    log.warning("%s %s: bad or missing signature, closing", what, peer)
    await websocket.close(code=POLICY_VIOLATION, reason="invalid Twilio signature")
    return None


async def signed_form_fields(
    request: Request, checker: TwilioSignatureChecker | None, settings: IngestSettings, what: str
) -> dict[str, str] | None:
    """A webhook's form fields, or None (logged) when its signature is missing or wrong,
    or the body is not a small form (Twilio's is form-encoded and a few KiB: anything
    else would be parsed, or spooled to disk, before the signature could be checked)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    length = request.headers.get("content-length")
    if content_type != "application/x-www-form-urlencoded" or (
        length is not None and (not length.isdigit() or int(length) > MAX_WEBHOOK_BYTES)
    ):
        log.warning(
            "%s from %s: not a Twilio form (%s, %s bytes), refused unread",
            what,
            request.client.host if request.client else "?",
            content_type or "no content type",
            length or "unknown",
        )
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_WEBHOOK_BYTES:
            log.warning("%s: body over %d bytes, refused", what, MAX_WEBHOOK_BYTES)
            return None
    try:
        pairs: list[tuple[str, str | UploadFile]] = list(
            parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
        )
        form = FormData(pairs)
    except (UnicodeDecodeError, ValueError) as error:
        log.warning("%s: unreadable form (%s), refused", what, error)
        return None
    if checker is not None:
        signed_url = public_request_url(str(request.url), settings.public_url)
        if not checker.is_valid(signed_url, form, request.headers):
            log.warning(
                "%s from %s: bad or missing signature for %s",
                what,
                request.client.host if request.client else "?",
                signed_url,
            )
            return None
    return {key: value for key, value in form.items() if isinstance(value, str)}
