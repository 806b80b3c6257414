"""pocketsphinx on real flite speech that went through 8 kHz mu-law."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ingest.asr import UtteranceRecognizer, create_engine
from ingest.asr.sphinx import SphinxRecognizer
from ingest.asr.whisper import WhisperRecognizer
from ingest.settings import IngestSettings, parse_decoder_options


def test_recognizes_caller_voice_through_telephone_path(speak) -> None:
    recognizer = SphinxRecognizer()
    result = recognizer.recognize(speak("i want to cancel my account right now", "rms"))
    words = result.text.split()
    assert "cancel" in words and "account" in words
    assert 0.0 < result.confidence <= 1.0
    assert result.language == "en"


def test_recognizes_agent_voice(speak) -> None:
    result = SphinxRecognizer().recognize(speak("can i speak to your supervisor please", "awb"))
    assert "supervisor" in result.text.split()


def test_silence_and_empty_audio_give_no_text() -> None:
    recognizer = SphinxRecognizer()
    for audio in (bytes(32000), b"", b"\x00"):
        result = recognizer.recognize(audio)
        assert result.text == ""
        assert result.confidence == 0.0


def test_threads_share_one_recognizer(speak) -> None:
    recognizer = SphinxRecognizer()
    lines = ["i want to cancel my account right now", "can i speak to your supervisor please"] * 2
    audios = [speak(line, "rms") for line in lines]
    with ThreadPoolExecutor(max_workers=3) as pool:
        texts = [r.text for r in pool.map(recognizer.recognize, audios)]
    alone = [recognizer.recognize(audio).text for audio in audios]
    assert texts == alone
    assert all("cancel" in text for text in texts[0::2])
    assert all("supervisor" in text for text in texts[1::2])


def test_create_engine_builds_whisper_tiny_en_by_default_and_sphinx_when_asked() -> None:
    default = create_engine(IngestSettings(hf_hub_offline=True))
    assert isinstance(default, WhisperRecognizer) and default.model_name == "tiny.en"
    engine = create_engine(IngestSettings(asr="sphinx"))
    assert isinstance(engine, SphinxRecognizer)
    assert isinstance(engine, UtteranceRecognizer)
    assert engine.name == "sphinx"


def test_configured_decoder_options_reach_the_decoder() -> None:
    # Front-end options too, which the model's feat.params would otherwise override.
    engine = create_engine(
        IngestSettings(asr="sphinx", sphinx_options="lw=9.5, upperf=3700, remove_noise=no")
    )
    assert isinstance(engine, SphinxRecognizer)
    config = engine._decoder().config
    assert (config["lw"], config["upperf"], config["remove_noise"]) == (9.5, 3700.0, False)


def test_the_default_options_are_the_settings_default() -> None:
    engine = create_engine(IngestSettings(asr="sphinx"))
    assert isinstance(engine, SphinxRecognizer)
    config = engine._decoder().config
    for name, value in parse_decoder_options(IngestSettings().sphinx_options).items():
        assert config[name] == value
