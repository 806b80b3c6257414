"""Ingest worker settings: one typed object, read from the environment in one place.

Every field has a documented default so `callmon run` works with no
configuration; command-line options override the environment.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ASR_ENGINES = ("sphinx", "whisper", "deepgram", "openai")


class SettingsError(ValueError):
    """A setting has a value callmon cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class VadSettings:
    engine: str = "silero"
    """silero (robust to background noise) or webrtc (the light option)."""
    threshold: float = 0.5
    """Silero: speech probability that opens speech (it closes 0.15 lower)."""
    aggressiveness: int = 2
    """webrtcvad mode 0..3: higher rejects more non-speech."""
    end_silence_ms: int = 600
    """Silence that ends an utterance."""
    max_utterance_s: float = 15.0
    """An utterance is cut here even if the speaker has not paused."""
    min_speech_ms: int = 200
    """Voiced audio needed to open an utterance (shorter blips are noise)."""
    padding_ms: int = 200
    """Audio kept before the first voiced frame, so onsets are not clipped."""


@dataclass(frozen=True, slots=True)
class IngestSettings:
    db_path: Path = Path("data/callmon.db")
    audiosocket_host: str = "0.0.0.0"
    audiosocket_port: int = 9093
    http_host: str = "0.0.0.0"
    http_port: int = 8080
    redis_url: str | None = None
    active_call_heartbeat_s: float = 5.0
    """How often the worker refreshes its live calls in Redis; a dead worker's
    calls leave the wallboards after three missed heartbeats."""
    asr: str = "sphinx"
    whisper_model: str = "small"
    whisper_device: str = "cpu"
    whisper_compute_type: str = "int8"
    asr_threads: int = 2
    deepgram_api_key: str | None = None
    deepgram_url: str | None = None
    """Override of Deepgram's base WebSocket URL (a local test server, or a proxy)."""
    deepgram_model: str = "nova-3"
    deepgram_encoding: str = "linear16"
    openai_asr_url: str | None = None
    """An OpenAI-compatible transcription server (vLLM, speaches), e.g. http://asr-pool:8000/v1."""
    openai_asr_model: str = "whisper-1"
    openai_asr_api_key: str | None = None
    openai_asr_concurrency: int = 8
    """Requests in flight per worker process; set CALLMON_ASR_THREADS at least as high."""
    openai_asr_language: str | None = None
    """ISO code sent as `language`; none lets the server detect it."""
    openai_asr_prompt: str | None = None
    """Sent as `prompt`: vocabulary (product names, alert keywords) Whisper should prefer."""
    twilio_auth_token: str | None = None
    twilio_dial_number: str | None = None
    public_url: str | None = None
    """The https://host Twilio calls, when a proxy rewrites the Host header."""
    rolling_window: int = 5
    vad: VadSettings = field(default_factory=VadSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> IngestSettings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, kind in _ENV_FIELDS.items():
            raw = env.get(f"CALLMON_{name.upper()}")
            if raw is not None and raw != "":
                values[name] = _parse(name, raw, kind)
        for name, env_name in _PLAIN_ENV.items():
            if env.get(env_name):
                values[name] = env[env_name]
        vad_values = {
            f.name: _parse(f"vad_{f.name}", env[f"CALLMON_VAD_{f.name.upper()}"], f.type)
            for f in dataclasses.fields(VadSettings)
            if env.get(f"CALLMON_VAD_{f.name.upper()}")
        }
        values["vad"] = VadSettings(**vad_values)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.asr not in ASR_ENGINES:
            raise SettingsError(
                f"CALLMON_ASR={self.asr!r} is not an engine; choose one of {', '.join(ASR_ENGINES)}"
            )
        for name in ("audiosocket_port", "http_port"):
            port = getattr(self, name)
            if not 0 <= port <= 65535:
                raise SettingsError(f"CALLMON_{name.upper()}={port} is not a TCP port")
        if self.active_call_heartbeat_s <= 0:
            raise SettingsError("CALLMON_ACTIVE_CALL_HEARTBEAT_S must be > 0")
        if self.vad.engine not in ("silero", "webrtc"):
            raise SettingsError("CALLMON_VAD_ENGINE must be silero or webrtc")
        if not 0 < self.vad.threshold < 1:
            raise SettingsError("CALLMON_VAD_THRESHOLD must be between 0 and 1")
        if not 0 <= self.vad.aggressiveness <= 3:
            raise SettingsError("CALLMON_VAD_AGGRESSIVENESS must be 0, 1, 2 or 3")
        if self.vad.end_silence_ms < 20 or self.vad.max_utterance_s <= 0:
            raise SettingsError("CALLMON_VAD_END_SILENCE_MS must be >= 20 and MAX_UTTERANCE_S > 0")


def _parse(name: str, raw: str, kind: Any) -> Any:
    kind_name = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    try:
        if "int" in kind_name and "|" not in kind_name:
            return int(raw)
        if "float" in kind_name:
            return float(raw)
        if "Path" in kind_name:
            return Path(raw)
        return raw
    except ValueError:
        raise SettingsError(f"CALLMON_{name.upper()}={raw!r} is not a valid {kind_name}") from None


_ENV_FIELDS = {f.name: f.type for f in dataclasses.fields(IngestSettings) if f.name not in ("vad",)}
# Widely used names that keep their usual spelling.
_PLAIN_ENV = {
    "redis_url": "REDIS_URL",
    "twilio_auth_token": "TWILIO_AUTH_TOKEN",
    "deepgram_api_key": "DEEPGRAM_API_KEY",
}
