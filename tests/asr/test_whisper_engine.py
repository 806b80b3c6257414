"""faster-whisper for real, with the tiny random model committed in data/models.

The model's words are meaningless; these tests prove every call into
faster-whisper and CTranslate2 works offline, and that a missing model falls
back to pocketsphinx instead of hanging on the hub.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ctranslate2
import pytest

from ingest.asr import EngineUnavailable, create_engine
from ingest.asr.sphinx import SphinxRecognizer
from ingest.asr.whisper import WhisperRecognizer
from ingest.events import Recognition
from ingest.settings import IngestSettings

TINY_WHISPER = Path(__file__).resolve().parents[2] / "data" / "models" / "whisper-tiny-random"


@pytest.fixture(scope="module")
def tiny_whisper() -> WhisperRecognizer:
    return WhisperRecognizer(str(TINY_WHISPER), "cpu", "int8", num_workers=2, vad_filter=False)


def test_tiny_model_transcribes_speech(offline, speak) -> None:
    # Greedy decoding repeats one token forever with random weights; sampling
    # (the temperature fallback, seeded) gives text that passes the guard.
    ctranslate2.set_random_seed(7)
    recognizer = WhisperRecognizer(str(TINY_WHISPER), "cpu", "int8", vad_filter=False, temperature=(0.0, 1.0))
    result = recognizer.recognize(speak("i want to cancel my account right now"))
    assert isinstance(result, Recognition)
    assert result.text != ""
    assert 0.0 < result.confidence <= 1.0
    assert result.language == "en"  # English-only: the vocabulary is below Whisper's multilingual size


def test_repetitive_output_is_dropped_as_hallucination(offline, speak, tiny_whisper, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="ingest.asr.whisper")
    result = tiny_whisper.recognize(speak("i want to cancel my account right now"))
    # The random model's vocabulary is English-only's size: its language is known.
    assert result == Recognition(text="", confidence=0.0, language="en")
    assert any("dropped as hallucination" in r.getMessage() for r in caplog.records)


def test_tiny_model_on_silence_and_empty_audio(offline, tiny_whisper) -> None:
    assert tiny_whisper.recognize(b"").text == ""
    result = tiny_whisper.recognize(bytes(32000))
    assert isinstance(result.text, str)


def test_vad_filter_drops_silence_before_the_model(offline) -> None:
    # Silero VAD (bundled in faster-whisper) finds no speech, so nothing is
    # decoded and nothing can be hallucinated.
    recognizer = WhisperRecognizer(str(TINY_WHISPER), "cpu", "int8", vad_filter=True)
    assert recognizer.recognize(bytes(16000 * 3)).text == ""


def test_tiny_model_from_several_threads(offline, speak, tiny_whisper) -> None:
    audio = speak("can i speak to your supervisor please")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(tiny_whisper.recognize, [audio] * 4))
    alone = tiny_whisper.recognize(audio)
    assert [r.text for r in results] == [alone.text] * 4  # greedy decoding: same input, same output


def test_missing_model_name_is_unavailable(offline, tmp_path) -> None:
    with pytest.raises(EngineUnavailable) as caught:
        WhisperRecognizer("small", "cpu", "int8", download_root=str(tmp_path / "models"))
    message = str(caught.value)
    assert "'small'" in message and "\n" not in message


def test_missing_model_folder_is_unavailable(tmp_path) -> None:
    with pytest.raises(EngineUnavailable, match=r"has no model\.bin"):
        WhisperRecognizer(str(tmp_path / "no-such-model"), "cpu", "int8")


def test_unreachable_hub_is_unavailable(tmp_path) -> None:
    # Not offline by flag: the hub lookup itself fails. huggingface_hub reads
    # HF_ENDPOINT once at import, hence a fresh interpreter pointed at a
    # closed local port (the discard port, nothing listens there).
    env = {**os.environ, "HF_ENDPOINT": "http://127.0.0.1:9", "HF_HOME": str(tmp_path / "hf-home")}
    env.pop("HF_HUB_OFFLINE", None)
    code = (
        "from ingest.asr.whisper import WhisperRecognizer\n"
        "from ingest.asr.base import EngineUnavailable\n"
        "try:\n"
        f"    WhisperRecognizer('tiny', 'cpu', 'int8', download_root={str(tmp_path / 'models')!r})\n"
        "except EngineUnavailable as error:\n"
        "    print('UNAVAILABLE', error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("UNAVAILABLE cannot load Whisper model 'tiny'")


def test_create_engine_falls_back_to_sphinx_with_one_line(offline, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="ingest.asr")
    # A repository id nobody has cached, so a developer's own hub cache cannot interfere.
    engine = create_engine(
        IngestSettings(asr="whisper", whisper_model="callmon-tests/no-such-whisper", hf_hub_offline=True)
    )
    assert isinstance(engine, SphinxRecognizer)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "whisper unavailable, using sphinx instead" in warnings[0]
    assert "\n" not in warnings[0]


def test_create_engine_loads_a_local_whisper_folder(offline) -> None:
    engine = create_engine(
        IngestSettings(asr="whisper", whisper_model=str(TINY_WHISPER), hf_hub_offline=True)
    )
    assert isinstance(engine, WhisperRecognizer)
    assert engine.name == "whisper"
    assert engine.beam_size == 5  # the default beam (round 12: fewer words and keywords guessed)
    narrow = create_engine(
        IngestSettings(
            asr="whisper", whisper_model=str(TINY_WHISPER), hf_hub_offline=True, whisper_beam_size=1
        )
    )
    assert isinstance(narrow, WhisperRecognizer) and narrow.beam_size == 1
