"""The chat's pure parts: language choice, the poll decision, reply frames, settings."""

from __future__ import annotations

import base64
import dataclasses

import pytest

from chat.flow import decide_poll, parse_deadline
from chat.languages import DEFAULT_LANGUAGES, choose_language
from chat.playback import FRAME_BYTES, StreamPlayback, reply_messages
from chat.settings import ChatSettings
from chat.store import Chat, ChatMessage
from ingest.settings import SettingsError

CHAT = Chat("CA1", "voice", "assigned", None, "es", "en", "alice", None, 0.0, None)


def reply(text: str, translation: str | None) -> ChatMessage:
    return ChatMessage(1, "CA1", "agent", text, "en", translation, None, "queued", 0.0, None)


@pytest.mark.parametrize(
    ("digits", "speech", "code"),
    [
        ("2", None, "es"),
        ("6", None, "pt"),
        (None, "Español", "es"),
        (None, "espanol.", "es"),
        (None, "en français s'il vous plaît", "fr"),
        ("9", None, None),
        ("0", None, None),
        ("#", "gibberish", None),
        (None, None, None),
    ],
)
def test_choose_language(digits: str | None, speech: str | None, code: str | None) -> None:
    chosen = choose_language(digits, speech, DEFAULT_LANGUAGES)
    assert (chosen.code if chosen else None) == code


def test_poll_speaks_holds_apologises_and_ends() -> None:
    assert decide_poll(CHAT, [reply("hi", "hola")], now=5, deadline=10).lines == ("hola",)
    assert decide_poll(CHAT, [], now=5, deadline=10).step == "hold"
    assert decide_poll(CHAT, [], now=10, deadline=10).step == "apologise"
    assert decide_poll(None, [], now=5, deadline=10).step == "goodbye"
    ended = dataclasses.replace(CHAT, status="ended")
    assert decide_poll(ended, [reply("hi", "hola")], now=5, deadline=10).step == "goodbye"


def test_parse_deadline_falls_back_on_bad_input() -> None:
    assert parse_deadline("deadline=123", 5.0) == 123.0
    assert parse_deadline("deadline=soon", 5.0) == 5.0
    assert parse_deadline("", 5.0) == 5.0


def test_reply_messages_are_20ms_frames_then_a_mark() -> None:
    messages = reply_messages("MZ1", b"\x01" * (FRAME_BYTES * 2 + 10), "m1")
    assert [m["event"] for m in messages] == ["media", "media", "media", "mark"]
    last = base64.b64decode(messages[2]["media"]["payload"])
    assert len(last) == FRAME_BYTES and last.endswith(b"\xff" * (FRAME_BYTES - 10))
    assert messages[-1] == {"event": "mark", "streamSid": "MZ1", "mark": {"name": "m1"}}


async def test_playback_clears_before_a_new_reply_and_ignores_stale_marks() -> None:
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    playback = StreamPlayback("MZ1", send)
    assert await playback.play(b"\x00" * FRAME_BYTES, "a") is None
    assert await playback.play(b"\x00" * FRAME_BYTES, "b") == "a"
    assert [m["event"] for m in sent] == ["media", "mark", "clear", "media", "mark"]
    assert not playback.marked("a") and playback.marked("b") and playback.playing is None


def test_settings_from_env() -> None:
    settings = ChatSettings.from_env({"CALLMON_CHAT_LANGUAGES": "es,en", "CALLMON_AGENT_LANGUAGE": "fr"})
    assert [lang.code for lang in settings.languages] == ["es", "en"] and settings.agent_language == "fr"
    with pytest.raises(SettingsError):
        ChatSettings.from_env({"CALLMON_CHAT_LANGUAGES": "xx"})
    with pytest.raises(SettingsError):
        ChatSettings.from_env({"CALLMON_CHAT_REPLY_WAIT_S": "soon"})
