"""Test speech: flite voices through the telephone path (8 kHz).

Two flite voices give two distinguishable speakers that pocketsphinx
recognises almost word for word: `awb` for agents, `rms` for callers.
Synthesised lines are cached on disk (flite takes ~50 ms a line).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

from ingest.audio.resample import resample_pcm16
from ingest.events import Speaker

VOICES: dict[str, str] = {"agent": "awb", "caller": "rms", "unknown": "slt"}
TELEPHONE_RATE = 8000
CACHE_DIR = Path(__file__).resolve().parents[1] / "data" / "cache" / "tts"


class SpeechUnavailable(RuntimeError):
    """flite is not installed; the message says how to install it."""


def speak(text: str, speaker: Speaker, *, rate: int = TELEPHONE_RATE, cache_dir: Path = CACHE_DIR) -> bytes:
    """`text` spoken by the speaker's voice as s16le mono PCM at `rate`."""
    voice = VOICES[speaker]
    key = hashlib.sha256(f"{voice}|{rate}|{text}".encode()).hexdigest()[:24]
    cached = cache_dir / f"{key}.pcm"
    if cached.exists():
        return cached.read_bytes()
    pcm, source_rate = _flite(text, voice)
    pcm = resample_pcm16(pcm, source_rate, rate)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # A name of this process's own: parallel test workers may synthesise the same line at once.
    tmp = cached.with_name(f"{cached.stem}.{os.getpid()}.tmp")
    tmp.write_bytes(pcm)
    tmp.replace(cached)
    return pcm


def _flite(text: str, voice: str) -> tuple[bytes, int]:
    flite = shutil.which("flite")
    if flite is None:
        raise SpeechUnavailable("flite is not installed: run `make setup` (apt-get install flite)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "line.wav"
        subprocess.run(
            [flite, "-voice", voice, "-t", text, "-o", str(out)], check=True, capture_output=True, timeout=60
        )
        with wave.open(str(out), "rb") as wav:
            if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                raise SpeechUnavailable(f"flite produced an unexpected WAV format for voice {voice}")
            return wav.readframes(wav.getnframes()), wav.getframerate()
