"""Translated chat lines go through the voice path's understanding and alerts,
at their real time in the call. Apertium translates (offline, real)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from alerts.config import AlertSettings
from alerts.service import AlertService
from chat import ChatService, ChatSettings, ChatStore
from chat.languages import find_language
from ingest.bus import MemoryBus
from ingest.events import AlertRaised, TranscriptSegment
from ingest.storage import CallStore
from ingest.translation import TranslationSettings, make_translator

CALL = "CA-chat-alerts"


@dataclass
class Chat:
    service: ChatService
    calls: CallStore
    raised: list[AlertRaised]


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chat]:
    db_path = tmp_path / "callmon.db"
    calls = await CallStore.open(db_path)
    chats = await ChatStore.open(db_path)
    bus = MemoryBus()
    raised: list[AlertRaised] = []

    async def publish(event: object) -> None:
        if isinstance(event, AlertRaised):
            raised.append(event)
        await bus.publish(event)  # type: ignore[arg-type]

    alerts = await AlertService.open(db_path, AlertSettings(), publish)
    translator = make_translator(TranslationSettings())
    settings = ChatSettings()
    service = ChatService(settings, chats, calls, bus, translator, alerts=alerts)
    await service.open_chat(CALL, "voice", "+34600000000")
    spanish = find_language("es", settings.languages)
    assert spanish is not None
    await service.choose_language(CALL, spanish)
    yield Chat(service, calls, raised)
    await alerts.close()
    await translator.close()
    await chats.close()
    await calls.close()
    await bus.close()


async def test_spanish_legal_threat_raises_like_the_english_one(chat: Chat) -> None:
    await chat.service.caller_said(CALL, "voy a llamar a mi abogado")
    [segment] = await chat.calls.list_segments(CALL)
    assert "lawyer" in (segment.translation or "").lower()
    [alert] = chat.raised
    assert alert.rules == ("legal_threat",) and alert.level == "urgent"
    assert alert.speaker == "caller" and alert.text == "voy a llamar a mi abogado"


async def test_a_calm_line_raises_nothing_and_lines_carry_real_times(chat: Chat) -> None:
    await chat.service.caller_said(CALL, "buenos días, tengo una pregunta sobre mi factura")
    await chat.service.caller_said(CALL, "gracias", start=12.0, end=12.5)
    first, second = await chat.calls.list_segments(CALL)
    assert chat.raised == []
    assert 0.0 <= first.start < first.end < 60.0  # seconds since the chat began, not 0-0
    assert (second.start, second.end) == (12.0, 12.5)


async def test_a_caller_streak_in_chat_feeds_the_callers_mood(chat: Chat) -> None:
    lines = ["esto es terrible", "el servicio es horrible", "estoy muy enfadado y decepcionado"]
    for second, line in enumerate(lines):
        await chat.service.caller_said(CALL, line, start=10.0 * second, end=10.0 * second + 2)
    segments: list[TranscriptSegment] = await chat.calls.list_segments(CALL)
    assert [s.consecutive_negative for s in segments][-1] >= 2
    assert any("negative_trend" in alert.rules or "very_negative" in alert.rules for alert in chat.raised)
