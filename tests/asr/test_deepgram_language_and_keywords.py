"""Deepgram is asked for the call's language and the alert keywords, and its
words' confidences come back per word (local server speaking Deepgram's protocol)."""

from __future__ import annotations

import asyncio

from fake_deepgram import FakeDeepgram

from ingest.asr.base import StreamResult
from ingest.asr.deepgram import DeepgramRecognizer

RATE = 8000
FRAME = RATE * 2 // 50


def test_keywords_are_keyterms_on_nova_3_and_boosted_keywords_before() -> None:
    nova3 = DeepgramRecognizer("key", model="nova-3", keywords=("cancel", "ombudsman"))
    options = nova3.connect_options(RATE, "es-MX")
    assert options["language"] == "es" and options["keyterm"] == ["cancel", "ombudsman"]
    assert "keywords" not in options
    nova2 = DeepgramRecognizer("key", model="nova-2-phonecall", keywords=("cancel",))
    options = nova2.connect_options(RATE)
    assert options["language"] == "en" and options["keywords"] == ["cancel:2"] and "keyterm" not in options
    assert "keyterm" not in DeepgramRecognizer("key").connect_options(RATE)


async def test_stream_asks_for_the_call_language_and_reports_word_confidences(
    fake_deepgram: FakeDeepgram, speak
) -> None:
    recognizer = DeepgramRecognizer(
        "test-key",
        model="nova-3",
        base_url=fake_deepgram.url,
        keywords=("supervisor",),
        close_timeout_s=60.0,  # the fake decodes with pocketsphinx: slow on a loaded machine, not wrong
    )
    stream = await recognizer.open_stream(RATE, "en-GB")
    results: list[StreamResult] = []

    async def collect() -> None:
        results.extend([result async for result in stream.results()])

    reader = asyncio.create_task(collect())
    pcm = speak("can i speak to your supervisor please", rate=RATE) + bytes(RATE * 2)
    for begin in range(0, len(pcm), FRAME):
        await stream.send(pcm[begin : begin + FRAME])
    await stream.close()
    await asyncio.wait_for(reader, 120)

    session = fake_deepgram.sessions[0]
    assert session.query["language"] == "en" and session.query["keyterm"] == "supervisor"
    [final] = [r for r in results if r.is_final]
    words = final.recognition.words
    assert [w.word for w in words] == final.recognition.text.split()
    assert all(0.0 <= w.confidence <= 1.0 and 0.0 <= w.start <= w.end for w in words)
    assert final.recognition.language == "en"
