"""The webhook chat over real HTTP, signed like Twilio, translated by Apertium for real."""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET

import pytest

from tests.chat.conftest import ChatApp

CALL = "CAchat0001"
FORM = {"CallSid": CALL, "From": "+34600000001", "To": "+15550000000", "AccountSid": "ACtest"}


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.text)


async def choose_spanish(app: ChatApp) -> ET.Element:
    menu = twiml(await app.post("/twilio/chat/voice", FORM))
    gather = menu.find("Gather")
    assert gather is not None
    assert gather.get("input") == "dtmf speech" and gather.get("numDigits") == "1"
    prompts = [say.text for say in gather.findall("Say")]
    assert prompts[1] == "Para español, pulse 2." and len(prompts) == 6
    return twiml(await app.post(gather.get("action"), {**FORM, "Digits": "2"}))


@pytest.mark.parametrize(
    "path",
    [
        "/twilio/chat/voice",
        "/twilio/chat/media",
        "/twilio/chat/language",
        "/twilio/chat/said",
        "/twilio/chat/wait?deadline=1",
        "/twilio/chat/status",
    ],
)
async def test_unsigned_or_wrongly_signed_webhooks_are_refused(chat_app, path: str) -> None:
    app = await chat_app()
    unsigned = await app.post(path, FORM, token=None)
    wrong = await app.post(path, FORM, token="not-the-token")
    assert (unsigned.status_code, wrong.status_code) == (403, 403)
    assert await app.service.chats.get_chat(CALL) is None


async def test_tampered_form_is_refused(chat_app) -> None:
    app = await chat_app()
    signed_for_other_form = {"X-Twilio-Signature": "x"}
    response = await app.client.post(
        app.base + "/twilio/chat/voice", data=FORM, headers=signed_for_other_form
    )
    assert response.status_code == 403


async def test_whole_chat_spanish_caller_english_agent(chat_app) -> None:
    app = await chat_app()
    listen = await choose_spanish(app)
    gather = listen.find("Gather")
    assert gather.get("input") == "speech" and gather.get("language") == "es-ES"
    chat = await app.service.chats.get_chat(CALL)
    assert (chat.status, chat.caller_language, chat.agent_language) == ("waiting", "es", "en")

    hold = twiml(
        await app.post(
            gather.get("action"), {**FORM, "SpeechResult": "quiero cancelar mi cuenta", "Confidence": "0.9"}
        )
    )
    assert [child.tag for child in hold] == ["Say", "Pause", "Redirect"]
    assert hold.find("Say").get("language") == "es-ES" and hold.find("Pause").get("length") == "2"
    poll_url = hold.find("Redirect").text
    assert "deadline=" in poll_url
    [line] = await app.service.chats.list_messages(CALL)
    assert (line.sender, line.text, line.language) == ("caller", "quiero cancelar mi cuenta", "es")
    assert line.translation.lower() == "i want to cancel my account"

    # No reply yet: hold on without blocking and without repeating the hold message.
    waiting = twiml(await app.post(poll_url, FORM))
    assert [child.tag for child in waiting] == ["Pause", "Redirect"]
    assert waiting.find("Redirect").text == poll_url

    # The agent picks up and replies (what the agent page does).
    assert await app.service.chats.assign(CALL, "alice")
    await app.service.chats.add_message(
        CALL, "agent", "I can cancel your account today", "en", state="queued"
    )
    spoken = twiml(await app.post(poll_url, FORM))
    say = spoken.find("Say")
    assert say.get("language") == "es-ES"
    assert say.text == "Puedo anular vuestra cuenta hoy"  # Apertium eng-spa, word for word
    next_gather = spoken.find("Gather")
    assert next_gather.get("input") == "speech" and next_gather.get("language") == "es-ES"
    reply = (await app.service.chats.list_messages(CALL))[-1]
    assert reply.state == "spoken" and reply.translation == say.text
    assert reply.back_translation == "I can annul your account today"  # the drift the agent should see

    # A second poll does not say it again.
    again = twiml(await app.post(poll_url, FORM))
    assert again.find("Say") is None

    # The status callback ends the chat and the call; the lines are the call's segments.
    ended = await app.post("/twilio/chat/status", {**FORM, "CallStatus": "completed"})
    assert ended.status_code == 204
    assert (await app.service.chats.get_chat(CALL)).status == "ended"
    summary = await app.calls.get_call(CALL)
    assert (summary.status, summary.source, summary.language) == ("ended", "twilio", "es")
    segments = await app.calls.list_segments(CALL)
    assert [(s.speaker, s.language) for s in segments] == [("caller", "es"), ("agent", "en")]
    assert segments[0].text == "quiero cancelar mi cuenta"
    assert segments[0].translation.lower() == "i want to cancel my account"
    assert "cancel" in segments[0].keywords
    assert segments[1].translation == say.text
    assert [s.text for s in await app.calls.search_segments("cancelar")][:1] == ["quiero cancelar mi cuenta"]
    # After the end, a late poll says goodbye.
    late = twiml(await app.post(poll_url, FORM))
    assert late.find("Hangup") is not None


async def test_language_by_speech_and_unknown_choice(chat_app) -> None:
    app = await chat_app()
    menu = twiml(await app.post("/twilio/chat/voice", FORM))
    action = menu.find("Gather").get("action")
    retry = twiml(await app.post(action, {**FORM, "SpeechResult": "klingon please"}))
    assert retry.find("Redirect").text.endswith("/twilio/chat/voice")
    chosen = twiml(await app.post(action, {**FORM, "SpeechResult": "Français."}))
    assert chosen.find("Gather").get("language") == "fr-FR"


async def test_after_the_deadline_the_caller_hears_an_apology_and_may_go_on(chat_app) -> None:
    app = await chat_app()
    await choose_spanish(app)
    past = f"{app.base}/twilio/chat/wait?deadline={time.time() - 1:.0f}"
    sorry = twiml(await app.post(past, FORM))
    assert sorry.find("Say").text.startswith("Lo sentimos")
    assert sorry.find("Gather").get("input") == "speech"
    # Silence in the Gather falls through to a fresh wait with a deadline in the future.
    fresh = sorry.find("Redirect").text
    assert float(fresh.split("deadline=")[1]) > time.time()


async def test_empty_speech_result_listens_again(chat_app) -> None:
    app = await chat_app()
    listen = await choose_spanish(app)
    again = twiml(await app.post(listen.find("Gather").get("action"), {**FORM, "SpeechResult": ""}))
    assert again.find("Gather") is not None
    assert await app.service.chats.list_messages(CALL) == []


async def test_a_chat_whose_status_callback_never_comes_is_ended(chat_app) -> None:
    # One chat whose caller "vanishes" (no more webhooks, no status callback), one
    # that keeps talking: only the quiet one is ended, and its call with it.
    app = await chat_app(idle_s=1.0, reply_wait_s=0.5)
    quiet, busy = "CAquiet", "CAbusy"
    for call_sid in (quiet, busy):
        twiml(await app.post("/twilio/chat/voice", {**FORM, "CallSid": call_sid}))
    assert (await app.calls.get_call(quiet)).status == "active"
    loop_deadline = time.monotonic() + 60
    while (await app.calls.get_call(quiet)).status != "ended":
        assert time.monotonic() < loop_deadline, "the quiet chat was never ended"
        # Twilio polling for the busy chat: each webhook shows it is alive.
        await app.post("/twilio/chat/said", {**FORM, "CallSid": busy, "SpeechResult": ""})
        await asyncio.sleep(0.05)
    assert (await app.service.chats.get_chat(quiet)).status == "ended"
    assert (await app.service.chats.get_chat(busy)).status != "ended"
