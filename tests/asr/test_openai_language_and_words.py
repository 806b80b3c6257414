"""The OpenAI-compatible engine asks for each call's language and reports the
words' probabilities when the server sends them (speaches does; OpenAI does not)."""

from __future__ import annotations

from fake_openai_asr import FakeTranscriptionServer

from ingest.asr.openai_compatible import OpenAICompatibleRecognizer


def engine_for(server: FakeTranscriptionServer, **options: object) -> OpenAICompatibleRecognizer:
    return OpenAICompatibleRecognizer(server.url, "whisper-1", api_key="test-key", **options)  # type: ignore[arg-type]


def test_the_call_language_wins_over_the_configured_one(fake_asr, speak) -> None:
    engine = engine_for(fake_asr, language="en")
    engine.recognize(speak("i want to cancel my account right now"), "es-MX")
    engine.recognize(speak("i want to cancel my account right now"))
    assert [r.field("language") for r in fake_asr.requests] == ["es", "en"]


def test_without_any_language_the_server_detects_it(fake_asr, speak) -> None:
    engine_for(fake_asr).recognize(speak("can i speak to your supervisor please"))
    assert fake_asr.requests[0].field("language") is None


def test_word_probabilities_become_word_confidences(speak) -> None:
    server = FakeTranscriptionServer(
        api_key="test-key", word_probabilities=True, language_style="code"
    ).start()
    try:
        result = engine_for(server).recognize(speak("i want to cancel my account right now"), "en")
    finally:
        server.stop()
    assert [w.word for w in result.words] == result.text.split()
    assert all(0.0 <= w.confidence <= 1.0 and w.start <= w.end for w in result.words)


def test_words_without_probabilities_are_left_to_the_segment(fake_asr, speak) -> None:
    result = engine_for(fake_asr).recognize(speak("i want to cancel my account right now"))
    assert result.text and result.words == ()
