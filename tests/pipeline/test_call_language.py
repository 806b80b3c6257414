"""The call's language decides what the engine is asked for; speech the engine
has no model for is stored as "not transcribed", with no text, score or alert."""

from __future__ import annotations

import asyncio
import subprocess
import wave
from pathlib import Path

import pytest

from app.worker import IngestWorker
from ingest.audio.resample import resample_pcm16
from ingest.call_language import LanguageMapError, call_language, language_to_ask, parse_language_map
from ingest.events import AudioReceived, CallEnded, CallStarted, TranscriptSegment
from ingest.settings import IngestSettings, SettingsError
from simulator.speech import speak

RATE = 8000
CHUNK_S = 0.02
WAIT_LIMIT = 120.0  # guards against a hung test only


def test_metadata_language_wins_then_the_in_group_then_nothing() -> None:
    in_groups = parse_language_map("spanish_line:es, support_fr : FR")
    assert in_groups == {"spanish_line": "es", "support_fr": "fr"}
    assert call_language({"language": "es-MX", "in_group": "support_fr"}, in_groups) == "es-mx"
    assert call_language({"in_group": "support_fr"}, in_groups) == "fr"
    assert call_language({"in_group": "billing"}, in_groups) is None
    assert call_language({"language": "<script>"}, in_groups) is None  # bad wire input is not trusted


def test_the_engine_is_asked_for_the_call_language_or_detects_or_gets_the_default() -> None:
    assert language_to_ask("es", "sphinx", "en") == "es"
    assert language_to_ask(None, "sphinx", "EN") == "en"
    assert language_to_ask(None, "whisper", "en") is None  # Whisper detects
    assert language_to_ask(None, "openai", "en") is None
    assert language_to_ask(None, "deepgram", "de") == "de"


def test_a_malformed_in_group_map_names_the_setting() -> None:
    with pytest.raises(LanguageMapError, match="CALLMON_INGROUP_LANGUAGES"):
        parse_language_map("spanish_line")
    with pytest.raises(SettingsError, match="CALLMON_INGROUP_LANGUAGES"):
        IngestSettings.from_env({"CALLMON_INGROUP_LANGUAGES": "a:es,b:"})
    assert IngestSettings.from_env({"CALLMON_DEFAULT_LANGUAGE": "es"}).default_language == "es"


def spanish_speech(text: str, tmp: Path) -> bytes:
    out = tmp / "spanish.wav"
    subprocess.run(["espeak-ng", "-v", "es", "-w", str(out), text], check=True, timeout=60)
    with wave.open(str(out), "rb") as wav:
        return resample_pcm16(wav.readframes(wav.getnframes()), wav.getframerate(), RATE)


def feed(worker: IngestWorker, call_id: str, pcm: bytes) -> None:
    step = int(CHUNK_S * RATE) * 2
    for index, offset in enumerate(range(0, len(pcm), step)):
        worker.sink.submit(
            AudioReceived(call_id, "caller", pcm[offset : offset + step], RATE, index * CHUNK_S)
        )


async def segments_when_ended(worker: IngestWorker, call_id: str) -> list[TranscriptSegment]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_LIMIT
    while loop.time() < deadline:
        summary = await worker.store.get_call(call_id)
        if summary is not None and summary.status == "ended":
            return await worker.store.list_segments(call_id)
        await asyncio.sleep(0.1)
    raise AssertionError(f"call {call_id} did not end")


async def test_a_spanish_call_on_sphinx_is_stored_as_not_transcribed_and_raises_nothing(
    tmp_path: Path,
) -> None:
    settings = IngestSettings(db_path=tmp_path / "callmon.db", asr="sphinx", asr_threads=1)
    silence = bytes(int(0.8 * RATE) * 2)
    threat = spanish_speech("voy a llamar a mi abogado, esto es inaceptable", tmp_path)
    english = speak("i want to speak to your supervisor", "caller")
    async with IngestWorker(settings, listen=False) as worker:
        worker.sink.submit(CallStarted("es-call", "twilio", metadata={"language": "es"}))
        feed(worker, "es-call", silence + threat + silence)
        worker.sink.submit(CallEnded("es-call", "hangup"))
        worker.sink.submit(CallStarted("en-call", "twilio", metadata={"language": "en-GB"}))
        feed(worker, "en-call", silence + english + silence)
        worker.sink.submit(CallEnded("en-call", "hangup"))
        spanish = await segments_when_ended(worker, "es-call")
        control = await segments_when_ended(worker, "en-call")
        assert worker.alerts is not None
        spanish_alerts = await worker.alerts.store.list_alerts(call_id="es-call")
        summary = await worker.store.get_call("es-call")

    assert spanish, "the Spanish speech must be stored, so the supervisor sees why it has no text"
    for segment in spanish:
        assert (segment.text, segment.not_transcribed, segment.language) == ("", "no model for es", "es")
        assert segment.sentiment_label == "none" and segment.keywords == ()
    assert spanish_alerts == []
    assert summary is not None and summary.language == "es" and summary.avg_sentiment is None
    assert any("supervisor" in s.text.split() and s.transcribed for s in control)
