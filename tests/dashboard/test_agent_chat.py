"""The agent's chat page (NiceGUI's simulated user) against a real chat service on HTTP."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from chat import ChatService, ChatSettings, ChatStore
from chat.twilio_routes import build_chat_router
from ingest.adapters.twilio_security import SIGNATURE_HEADER, sign_request
from ingest.settings import IngestSettings
from ingest.translation import TranslationSettings, make_translator
from tests.chat.conftest import AUTH_TOKEN, DroppingSink
from tests.support.asgi import serve_asgi

CALL = "CAagentpage1"
FORM = {"CallSid": CALL, "From": "+34600000002"}


@pytest.fixture
async def twilio(services) -> AsyncIterator:
    """The ingest side of the chat on the dashboard's database, behind real HTTP."""
    chats = await ChatStore.open(services.db_path)
    translator = make_translator(TranslationSettings())
    service = ChatService(ChatSettings(), chats, services.calls, services.bus, translator)
    await service.start()
    app = FastAPI()
    app.include_router(
        build_chat_router(IngestSettings(twilio_auth_token=AUTH_TOKEN), DroppingSink(), service)
    )
    served = await serve_asgi(app)
    client = httpx.AsyncClient(timeout=30)

    async def post(url: str, form: dict[str, str]) -> ET.Element:
        url = url if url.startswith("http") else f"{served.http_url}{url}"
        response = await client.post(
            url, data=form, headers={SIGNATURE_HEADER: sign_request(url, form, AUTH_TOKEN)}
        )
        assert response.status_code == 200, response.text
        return ET.fromstring(response.text)

    yield post
    await client.aclose()
    await served.stop()
    await service.close()
    await translator.close()
    await chats.close()


async def test_agent_picks_up_reads_translation_replies_and_sees_it_spoken(
    logged_in, services, twilio
) -> None:
    menu = await twilio("/twilio/chat/voice", FORM)
    listen = await twilio(menu.find("Gather").get("action"), {**FORM, "Digits": "2"})
    hold = await twilio(
        listen.find("Gather").get("action"), {**FORM, "SpeechResult": "quiero cancelar mi cuenta"}
    )
    poll_url = hold.find("Redirect").text
    await services.notes.add(CALL, "sup", "offer the retention discount")

    user = await logged_in("alice")
    await user.open("/agent/chats")
    await user.should_see("+34600000002 · es", retries=30)
    user.find("Pick up").click()
    await user.should_see("I want to cancel my account", retries=30)
    await user.should_not_see("es: quiero cancelar mi cuenta")
    user.find("original").click()
    await user.should_see("es: quiero cancelar mi cuenta", retries=30)
    await user.should_see("Note from sup: offer the retention discount", retries=30)

    user.find("Reply").type("I can cancel your account today")
    user.find("Send").click()
    await user.should_see("queued", retries=30)
    # The worker translates the reply there and back: the agent sees the drift.
    await user.should_see("back-translation: I can annul your account today", retries=50)

    spoken = await twilio(poll_url, FORM)
    assert spoken.find("Say").text == "Puedo anular vuestra cuenta hoy"
    await user.should_see("spoken", retries=50)
    assert (await services.calls.get_call(CALL)).agent == "alice"


async def test_other_roles_cannot_open_the_chat_page(logged_in) -> None:
    user = await logged_in("quinn")
    response = await user.http_client.get("/agent/chats")
    assert response.status_code == 403
