"""Real telephone-quality speech for the speech-to-text tests.

flite speaks, sox squeezes it through 8 kHz G.711 mu-law (what Twilio and
most trunks carry) and widens it back to what the engines take.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from fake_deepgram import FakeDeepgram
from fake_openai_asr import FakeTranscriptionServer


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def telephone_speech(text: str, voice: str, tmp: Path, rate: int = 16000) -> bytes:
    """`text` said by a flite voice, through 8 kHz mu-law, as s16le PCM at `rate`."""
    for tool in ("flite", "sox"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed (apt-get install {tool})")
    name = f"{voice}-{abs(hash(text))}"
    wav, ulaw, out = tmp / f"{name}.wav", tmp / f"{name}.ul", tmp / f"{name}-{rate}.raw"
    _run("flite", "-voice", voice, "-t", text, "-o", str(wav))
    _run("sox", str(wav), "-r", "8000", "-e", "mu-law", "-b", "8", "-c", "1", "-t", "raw", str(ulaw))
    _run(
        "sox",
        "-t",
        "raw",
        "-r",
        "8000",
        "-e",
        "mu-law",
        "-b",
        "8",
        "-c",
        "1",
        str(ulaw),
        "-r",
        str(rate),
        "-e",
        "signed",
        "-b",
        "16",
        "-t",
        "raw",
        str(out),
    )
    return out.read_bytes()


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No model hub and an empty model cache, as on a machine without internet."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))


@pytest.fixture
def speak(tmp_path: Path) -> Callable[..., bytes]:
    def speak(text: str, voice: str = "rms", rate: int = 16000) -> bytes:
        return telephone_speech(text, voice, tmp_path, rate)

    return speak


@pytest.fixture
async def fake_deepgram() -> AsyncIterator[FakeDeepgram]:
    server = await FakeDeepgram(api_key="test-key").start()
    yield server
    await server.stop()


@pytest.fixture
def fake_asr() -> Iterator[FakeTranscriptionServer]:
    """An OpenAI-compatible transcription server that accepts the key "test-key"."""
    server = FakeTranscriptionServer(api_key="test-key").start()
    yield server
    server.stop()
