"""Keyword boosting through a real worker: the alert keywords reach the
pocketsphinx workers, a keyword said in flite speech comes back spotted, in
the segment's keywords, and raises its alert."""

from __future__ import annotations

import asyncio
import subprocess
import wave
from pathlib import Path

from app.worker import IngestWorker
from ingest.audio.mulaw import decode_mulaw, encode_mulaw
from ingest.audio.resample import resample_pcm16
from ingest.events import AudioReceived, CallEnded, CallStarted, WordConfidence
from ingest.pipeline.session import merged_keywords
from ingest.settings import IngestSettings

RATE = 8000
CHUNK_S = 0.02
WAIT_LIMIT = 120.0  # guards against a hung test only


def telephone_speech(text: str, voice: str, tmp: Path) -> bytes:
    """flite through 8 kHz mu-law, without sox's random dither (same audio every run)."""
    out = tmp / "line.wav"
    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(out)], check=True, timeout=60)
    with wave.open(str(out), "rb") as wav:
        pcm = resample_pcm16(wav.readframes(wav.getnframes()), wav.getframerate(), RATE)
    return decode_mulaw(encode_mulaw(pcm))


def test_spotted_keywords_join_the_segments_keywords() -> None:
    spotted = (WordConfidence("unacceptable", 0.9), WordConfidence("attorney", 0.8))
    # Named like the text's keywords: "attorney" counts as the keyword "lawyer".
    assert merged_keywords(("cancel",), spotted) == ("cancel", "unacceptable", "lawyer")
    assert merged_keywords(("cancel",), ()) == ("cancel",)


def test_a_spot_of_a_word_the_text_excepts_is_excepted_too() -> None:
    manager = (WordConfidence("manager", 1.0),)
    # The transcript heard it right, inside "account manager": no keyword.
    assert merged_keywords((), manager, "hi my account manager asked me to call you") == ()
    assert merged_keywords((), manager, "get me your manager") == ("manager",)
    assert merged_keywords((), manager, "i want the mangler") == ("manager",)


async def test_a_spotted_keyword_raises_its_alert(tmp_path: Path) -> None:
    settings = IngestSettings(db_path=tmp_path / "callmon.db", asr="sphinx", asr_threads=1)
    silence = bytes(int(0.8 * RATE) * 2)
    pcm = silence + telephone_speech("this is totally unacceptable", "kal", tmp_path) + silence
    async with IngestWorker(settings, listen=False) as worker:
        worker.sink.submit(CallStarted("boost", "twilio"))
        step = int(CHUNK_S * RATE) * 2
        for index, offset in enumerate(range(0, len(pcm), step)):
            worker.sink.submit(
                AudioReceived("boost", "caller", pcm[offset : offset + step], RATE, index * CHUNK_S)
            )
        worker.sink.submit(CallEnded("boost", "hangup"))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_LIMIT
        while (summary := await worker.store.get_call("boost")) is None or summary.status != "ended":
            assert loop.time() < deadline, "the call did not end"
            await asyncio.sleep(0.1)
        [segment] = await worker.store.list_segments("boost")
        assert worker.alerts is not None
        alerts = await worker.alerts.store.list_alerts(call_id="boost")

    assert [w.word for w in segment.spotted] == ["unacceptable"], segment.text
    assert "unacceptable" in segment.keywords
    assert any('keyword "unacceptable"' in reason for alert in alerts for reason in alert.reasons)
