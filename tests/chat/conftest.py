"""A chat app on a real uvicorn server (127.0.0.1, free port), real SQLite, real Apertium."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from chat import ChatService, ChatSettings, ChatStore
from chat.twilio_routes import build_chat_router
from ingest.adapters.twilio_security import SIGNATURE_HEADER, sign_request
from ingest.bus import MemoryBus
from ingest.events import CallEventSink
from ingest.settings import IngestSettings
from ingest.storage import CallStore
from ingest.translation import TranslationSettings, make_translator
from tests.support.asgi import serve_asgi
from tests.support.replay import unpaced

AUTH_TOKEN = "chat-test-token"
WAIT_S = 60.0
"""Only a guard against a hung test; nothing depends on how fast anything is."""


class DroppingSink:
    """The webhook-only tests have no audio: a sink that must stay empty."""

    def __init__(self) -> None:
        self.events: list[object] = []

    def submit(self, event: object) -> None:
        self.events.append(event)


@dataclass
class ChatApp:
    base: str
    service: ChatService
    calls: CallStore
    bus: MemoryBus
    client: httpx.AsyncClient

    async def post(
        self,
        path_or_url: str,
        form: dict[str, str],
        *,
        token: str | None = AUTH_TOKEN,
    ) -> httpx.Response:
        """POST like Twilio: the full URL and form signed with `token` (None: unsigned)."""
        url = path_or_url if path_or_url.startswith("http") else self.base + path_or_url
        headers = {SIGNATURE_HEADER: sign_request(url, form, token)} if token else {}
        return await self.client.post(url, data=form, headers=headers)


StartChatApp = Callable[..., Awaitable[ChatApp]]


@pytest.fixture
async def chat_app(tmp_path: Path) -> AsyncIterator[StartChatApp]:
    """`await chat_app(sink=..., calls=..., bus=..., **chat_settings)` starts one; all stop after."""
    cleanups: list[Callable[[], Awaitable[object]]] = []

    async def start(
        *,
        sink: CallEventSink | None = None,
        calls: CallStore | None = None,
        bus: MemoryBus | None = None,
        agent_language: str = "en",
        **chat: object,
    ) -> ChatApp:
        db_path = calls.path if calls is not None else tmp_path / "callmon.db"
        if calls is None:
            calls = await CallStore.open(db_path)
            cleanups.append(calls.close)
        if bus is None:
            bus = MemoryBus()
            cleanups.append(bus.close)
        chats = await ChatStore.open(db_path)
        cleanups.append(chats.close)
        translator = make_translator(TranslationSettings(agent_language=agent_language))
        cleanups.append(translator.close)
        service = ChatService(
            ChatSettings(agent_language=agent_language, **chat), chats, calls, bus, translator
        )  # type: ignore[arg-type]
        await service.start()
        cleanups.append(service.close)
        app = FastAPI()
        app.include_router(
            # Streams are replayed faster than real time: no pacing.
            build_chat_router(
                unpaced(IngestSettings(twilio_auth_token=AUTH_TOKEN)), sink or DroppingSink(), service
            )
        )
        served = await serve_asgi(app)
        cleanups.append(served.stop)
        client = httpx.AsyncClient(timeout=WAIT_S)
        cleanups.append(client.aclose)
        return ChatApp(served.http_url, service, calls, bus, client)

    yield start
    for cleanup in reversed(cleanups):
        await cleanup()
