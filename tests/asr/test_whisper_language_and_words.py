"""faster-whisper plumbing for languages, per-word probabilities and hotwords,
with the tiny random model in data/models (its words are meaningless, so
these tests check what is asked and what shape comes back, not accuracy)."""

from __future__ import annotations

from pathlib import Path

import ctranslate2

from ingest.asr import create_engine
from ingest.asr.whisper import WhisperRecognizer
from ingest.settings import IngestSettings

TINY_WHISPER = Path(__file__).resolve().parents[2] / "data" / "models" / "whisper-tiny-random"


def test_words_come_with_probabilities_and_hotwords_are_accepted(offline, speak) -> None:
    recognizer = WhisperRecognizer(
        str(TINY_WHISPER), vad_filter=False, temperature=(0.0, 1.0), keywords=("cancel", "lawyer")
    )
    assert recognizer.hotwords == "cancel lawyer"
    ctranslate2.set_random_seed(7)
    result = recognizer.recognize(speak("i want to cancel my account right now"), "en")
    assert result.not_transcribed is None
    if result.text:  # random weights: the guard may drop everything as a hallucination
        assert result.words, "word_timestamps=True must give words"
        assert all(0.0 <= w.confidence <= 1.0 and w.start <= w.end for w in result.words)


def test_a_language_whisper_has_no_model_for_is_not_transcribed(offline, speak) -> None:
    recognizer = WhisperRecognizer(str(TINY_WHISPER), vad_filter=False)
    result = recognizer.recognize(speak("i want to cancel my account right now"), "tlh")
    assert (result.text, result.not_transcribed, result.language) == ("", "no model for tlh", "tlh")


def test_the_call_language_is_asked_for_in_its_base_form(offline, speak) -> None:
    recognizer = WhisperRecognizer(str(TINY_WHISPER), vad_filter=False)
    result = recognizer.recognize(bytes(0), "en-GB")
    assert result.language == "en" and result.not_transcribed is None


def test_create_engine_hands_the_alert_keywords_to_whisper(offline) -> None:
    engine = create_engine(IngestSettings(asr="whisper", whisper_model=str(TINY_WHISPER)), ("refund",))
    assert isinstance(engine, WhisperRecognizer) and engine.hotwords == "refund"
