"""The translated chat's Twilio endpoints: voice webhooks and a two-way Media Stream.

Webhooks (all signature-checked, 403 when wrong): `/twilio/chat/voice` answers
with a language menu; `/twilio/chat/language` takes the choice;
`/twilio/chat/said` takes each `<Gather>` SpeechResult; `/twilio/chat/wait`
polls for the agent's reply without blocking; `/twilio/chat/status` ends the
chat. `/twilio/chat/media` is the same menu followed by `<Connect><Stream>`
to the `/twilio/chat/media/stream` WebSocket, where the caller's audio goes
through callmon's own pipeline and replies come back as mu-law frames.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request, Response, WebSocket

from chat import twiml
from chat.flow import decide_poll, parse_deadline
from chat.languages import choose_language
from chat.playback import StreamPlayback
from chat.service import ChatService
from ingest.adapters.stream_tokens import TOKEN_PARAMETER, issue_stream_token
from ingest.adapters.twilio_media import MediaStreamSession
from ingest.adapters.twilio_routes import OpenStreams, accept_signed_stream, pump_stream, signed_form_fields
from ingest.adapters.twilio_security import TwilioSignatureChecker, public_request_url
from ingest.events import CallEventSink
from ingest.pipeline.admission import CallAdmission
from ingest.settings import IngestSettings

log = logging.getLogger(__name__)
STREAM_ROUTE_NAME = "twilio_chat_media_stream"
COMPLETED_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


def build_chat_router(
    settings: IngestSettings,
    sink: CallEventSink,
    chat_service: ChatService,
    admission: CallAdmission | None = None,
) -> APIRouter:
    admission = admission if admission is not None else chat_service.admission
    checker = TwilioSignatureChecker(settings.twilio_auth_token) if settings.twilio_auth_token else None
    chat_settings = chat_service.settings
    router = APIRouter()
    streams = OpenStreams(settings.twilio_max_streams)

    def url(request: Request, path: str, **query: Any) -> str:
        base = public_request_url(str(request.base_url).rstrip("/") + path, settings.public_url)
        return f"{base}?{urlencode(query)}" if query else base

    async def signed_form(request: Request) -> dict[str, str] | None:
        """The form fields, or None when the signature is missing or wrong."""
        fields = await signed_form_fields(request, checker, settings, "twilio chat webhook")
        if fields is None:
            return None
        chat_service.heard_from(fields.get("CallSid", ""))
        return fields

    def xml(body: str) -> Response:
        return Response(body, media_type="application/xml")

    forbidden = Response("invalid Twilio signature", status_code=403, media_type="text/plain")

    async def answer(request: Request, mode: str) -> Response:
        form = await signed_form(request)
        if form is None:
            return forbidden
        call_sid = form.get("CallSid", "")
        if not call_sid:
            return Response("CallSid missing", status_code=400, media_type="text/plain")
        if await chat_service.open_chat(call_sid, mode, form.get("From")) is None:
            return xml(twiml.goodbye("Sorry, we cannot take your call now."))
        retry = url(request, "/twilio/chat/media" if mode == "media" else "/twilio/chat/voice")
        return xml(
            twiml.language_menu(
                chat_settings.languages, url(request, "/twilio/chat/language", mode=mode), retry
            )
        )

    @router.post("/twilio/chat/voice", name="twilio_chat_voice")
    async def chat_voice(request: Request) -> Response:
        return await answer(request, "voice")

    @router.post("/twilio/chat/media", name="twilio_chat_media")
    async def chat_media(request: Request) -> Response:
        return await answer(request, "media")

    @router.post("/twilio/chat/language")
    async def chat_language(request: Request) -> Response:
        form = await signed_form(request)
        if form is None:
            return forbidden
        mode = "media" if request.query_params.get("mode") == "media" else "voice"
        language = choose_language(form.get("Digits"), form.get("SpeechResult"), chat_settings.languages)
        if language is None:
            return xml(twiml.no_choice(url(request, f"/twilio/chat/{mode}")))
        call_sid = form.get("CallSid", "")
        await chat_service.choose_language(call_sid, language)
        if mode == "media":
            stream_url = public_request_url(
                str(request.url_for(STREAM_ROUTE_NAME)), settings.public_url, websocket=True
            )
            parameters = {"chat": call_sid, "language": language.code}
            if settings.twilio_auth_token:
                parameters[TOKEN_PARAMETER] = issue_stream_token(settings.twilio_auth_token, call_sid)
            return xml(twiml.connect_stream(stream_url, parameters))
        return xml(twiml.listen(language, url(request, "/twilio/chat/said"), wait_url(request), prompt=True))

    def wait_url(request: Request) -> str:
        deadline = f"{time.time() + chat_settings.reply_wait_s:.0f}"
        return url(request, "/twilio/chat/wait", deadline=deadline)

    @router.post("/twilio/chat/said")
    async def chat_said(request: Request) -> Response:
        form = await signed_form(request)
        if form is None:
            return forbidden
        call_sid = form.get("CallSid", "")
        chat = await chat_service.chats.get_chat(call_sid)
        language = chat_service.language(chat.caller_language if chat else None)
        if chat is None or language is None or chat.status == "ended":
            return xml(twiml.goodbye())
        speech = form.get("SpeechResult", "").strip()
        if not speech:
            return xml(twiml.listen(language, url(request, "/twilio/chat/said"), wait_url(request)))
        await chat_service.caller_said(call_sid, speech)
        return xml(twiml.hold(language, wait_url(request), chat_settings.poll_pause_s, announce=True))

    @router.post("/twilio/chat/wait")
    async def chat_wait(request: Request) -> Response:
        form = await signed_form(request)
        if form is None:
            return forbidden
        call_sid = form.get("CallSid", "")
        chat = await chat_service.chats.get_chat(call_sid)
        language = chat_service.language(chat.caller_language if chat else None)
        now = time.time()
        replies = await chat_service.take_replies(call_sid) if language is not None else []
        decision = decide_poll(
            chat if language else None, replies, now, parse_deadline(request.url.query, now)
        )
        if decision.step == "goodbye" or language is None:
            return xml(twiml.goodbye())
        said, silence = url(request, "/twilio/chat/said"), wait_url(request)
        if decision.step == "speak":
            return xml(twiml.listen(language, said, silence, lines=decision.lines))
        if decision.step == "hold":
            poll = public_request_url(str(request.url), settings.public_url)
            return xml(twiml.hold(language, poll, chat_settings.poll_pause_s, announce=False))
        return xml(twiml.listen(language, said, silence, lines=(language.sorry,)))

    @router.post("/twilio/chat/status")
    async def chat_status(request: Request) -> Response:
        form = await signed_form(request)
        if form is None:
            return forbidden
        if form.get("CallStatus", "") in COMPLETED_STATUSES:
            await chat_service.end_chat(form.get("CallSid", ""), form["CallStatus"])
        return Response(status_code=204)

    @router.websocket("/twilio/chat/media/stream", name=STREAM_ROUTE_NAME)
    async def chat_media_stream(websocket: WebSocket) -> None:
        peer = await accept_signed_stream(websocket, checker, settings, "twilio chat stream", streams)
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
            await _run_chat_stream(websocket, session, chat_service)
        finally:
            streams.give_back()

    return router


async def _run_chat_stream(
    websocket: WebSocket, session: MediaStreamSession, chat_service: ChatService
) -> None:
    """Feed the stream to the pipeline; hook `start` (to play replies) and `mark` (spoken).

    The chat a stream plays into is its own call's (the callSid its token was
    issued for), never one named by a parameter: a stream cannot take over
    another caller's replies."""
    chat_id: str | None = None

    async def send(message: dict[str, Any]) -> None:
        await websocket.send_text(orjson.dumps(message).decode())

    try:
        async for message in pump_stream(websocket, session):
            if not isinstance(message, dict):
                continue
            event = message.get("event")
            if event == "start" and chat_id is None and session.call_id is not None:
                start = message.get("start") or {}
                chat_id = session.call_id
                stream_sid = str(start.get("streamSid") or message.get("streamSid") or "")
                await chat_service.chats.set_stream(chat_id, stream_sid)
                chat_service.attach_stream(chat_id, StreamPlayback(stream_sid, send))
            elif event == "stop" and chat_id is not None and session.ended:
                await chat_service.detach_stream(chat_id, "stop")
                chat_id = None
            elif event == "mark" and chat_id is not None:
                mark = message.get("mark")
                if isinstance(mark, dict) and isinstance(mark.get("name"), str):
                    await chat_service.stream_marked(chat_id, mark["name"])
    finally:
        session.close("disconnect")
        if chat_id is not None:
            await chat_service.detach_stream(chat_id, "stream closed")
