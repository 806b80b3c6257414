"""Ingest worker settings: one typed object (see `ingest.settings_base`).

Every field has a documented default so `callmon run` works with no
configuration; command-line options override the environment, which
overrides the `[ingest]` table of the `CALLMON_CONFIG` file.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from ingest.adapters.audiosocket_access import parse_networks
from ingest.adapters.pacing import PacingPolicy
from ingest.call_language import LanguageMapError, parse_language_map
from ingest.settings_base import CallmonSettings, SettingsError
from ingest.storage.database import DatabaseTarget, parse_database_url

__all__ = [
    "ASR_ENGINES",
    "VAD_ENGINES",
    "IngestSettings",
    "SettingsError",
    "VadSettings",
    "parse_decoder_options",
]

ASR_ENGINES = ("sphinx", "whisper", "deepgram", "openai")
ASR_HELP = "Speech-to-text engine.  [default: whisper (tiny.en), sphinx when it cannot load]"
"""The `--asr` option's help in every command that takes it."""


VAD_ENGINES = ("silero", "webrtc")

DecoderOption = bool | int | float | str


def parse_decoder_options(text: str) -> dict[str, DecoderOption]:
    """``"lw=8, remove_noise=no"`` -> ``{"lw": 8, "remove_noise": False}`` (pure).

    Values read as numbers where they are numbers, yes/no/true/false as
    booleans, anything else as text; names are checked by the decoder itself.
    """
    options: dict[str, DecoderOption] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        name, equals, raw = (part.strip() for part in item.partition("="))
        if not equals or not name.isidentifier() or not raw:
            raise ValueError(f"expected name=value, got {item.strip()!r}")
        options[name] = _option_value(raw)
    return options


def _option_value(raw: str) -> DecoderOption:
    if raw.lower() in ("yes", "true", "no", "false"):
        return raw.lower() in ("yes", "true")
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            continue
    return raw


@dataclass(frozen=True, slots=True)
class VadSettings:
    engine: str = "silero"
    """silero (robust to background noise) or webrtc (the light option)."""
    threshold: float = 0.2
    """Silero: speech probability that opens speech (low: band-limited lines score speech low)."""
    release_threshold: float = 0.1
    """Silero: once in speech, the probability it must fall below to count as silence."""
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
    speaker_range_db: float = 12.0
    """Silero: a frame this far below the speaker's loud frames of the last 15 s, and less
    than this far above the background, is not their speech (background talk); any
    detector: utterances are trimmed to their speaker (`trimmed_to_speaker`). 0: off."""


class IngestSettings(CallmonSettings):
    config_table = "ingest"

    db_path: Path = Path("data/callmon.db")
    """SQLite database file (when CALLMON_DATABASE_URL is not set)."""
    database_url: str | None = None
    """sqlite:///path/to/callmon.db or postgresql://user:password@host:port/db; wins over
    CALLMON_DB_PATH for every store (the spool still lives beside CALLMON_DB_PATH).
    PostgreSQL lets several workers and dashboards share one database."""
    audiosocket_host: str = "0.0.0.0"
    """Address the Asterisk AudioSocket listener binds."""
    audiosocket_port: int = Field(9093, ge=0, le=65535)
    """TCP port Asterisk AudioSocket connects to."""
    http_host: str = "127.0.0.1"
    """Address the HTTP listener (`/twilio/media`, `/twilio/voice`, `/healthz`) binds;
    0.0.0.0 (or a public address) needs TWILIO_AUTH_TOKEN or CALLMON_ALLOW_UNSIGNED_TWILIO."""
    allow_unsigned_twilio: bool = False
    """Serve the Twilio endpoints beyond loopback with no TWILIO_AUTH_TOKEN (anyone reaching the
    port can then inject calls): for a network you fully trust only."""
    http_port: int = Field(8080, ge=0, le=65535)
    """HTTP port for `/twilio/media`, `/twilio/voice` and `/healthz`."""
    redis_url: str | None = Field(None, validation_alias=AliasChoices("REDIS_URL", "CALLMON_REDIS_URL"))
    """Redis for live fan-out; unset = the in-process bus."""
    active_call_heartbeat_s: float = 5.0
    """How often the worker refreshes its live calls in Redis; a dead worker's
    calls leave the wallboards after three missed heartbeats."""
    worker_id: str | None = None
    """This worker's name among several on one Redis (it owns the calls it receives); unset:
    hostname-AudioSocket port-HTTP port, the same after a restart so the worker takes back its calls."""
    listen_relay_max: int = Field(20, ge=0)
    """Listens a worker relays at most, each way, for supervisors whose listen socket
    reached another worker of the fleet (over CALLMON_REDIS_URL); 0: no relay, such a
    listen is refused with 4404."""
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"
    """The worker's event loop: uvloop (libuv; less CPU per Twilio media frame, so more
    calls per process) or Python's own asyncio loop."""
    reuse_port: bool = False
    """Bind the AudioSocket and HTTP ports with SO_REUSEPORT, so several worker processes share
    them (`callmon ingest --workers N` sets it for its workers)."""
    spool_dir: Path | None = None
    """Where utterances wait for speech-to-text across a crash; unset: beside the database
    (`calls.db` -> `calls.spool/`). Each worker process needs its own."""
    asr: str = "whisper"
    """Speech-to-text engine: whisper, sphinx, deepgram or openai. Default: faster-whisper with
    tiny.en (installed from the package registry), pocketsphinx when it cannot load. On unseen
    voices tiny.en halves pocketsphinx's word errors (blind10: 0.33 against 0.58 clean, 0.39
    against 0.79 under babble) at a similar CPU cost (bench/asr, bench/insight_e2e)."""
    sphinx_options: str = "remove_noise=no"
    """pocketsphinx decoder options over the model's defaults, ``key=value`` comma list
    (e.g. ``lw=8,beam=1e-60``). Default: the model's spectral noise removal off, which on
    telephone speech (bench/sphinx_tuning, fresh sentences, 8 voices in two halves) cut WER
    0.641->0.577 and 0.545->0.454 and raised keyword recall 0.29->0.34 and 0.45->0.55."""
    whisper_model: str = "tiny.en"
    """faster-whisper model: a size name (tiny.en comes with callmon; others from the Hugging Face
    hub or its cache) or a local model folder."""
    whisper_device: str = "cpu"
    """faster-whisper device (cpu, cuda)."""
    whisper_compute_type: str = "int8"
    """faster-whisper CTranslate2 compute type."""
    whisper_beam_size: int = Field(5, ge=1, le=10)
    """faster-whisper beam width; 1 is greedy decoding. 5 (round 12, bench/insight_e2e on the
    36 design calls, hesitation sounds dropped): WER 0.140->0.107 clean and 0.273->0.174
    under babble, alert recall 0.86->0.94 and 0.89->0.91, at a speech-to-text p95 within
    run-to-run noise of greedy's (bench/latency --asr whisper, 3 calls, 2 cores)."""
    hf_hub_offline: bool = Field(False, validation_alias="HF_HUB_OFFLINE")
    """Never download Whisper models; only the local hub cache or a folder is used."""
    asr_threads: int = Field(2, ge=1)
    """Recognition workers (processes for sphinx, threads for whisper)."""
    deepgram_api_key: str | None = Field(
        None, validation_alias=AliasChoices("DEEPGRAM_API_KEY", "CALLMON_DEEPGRAM_API_KEY")
    )
    """Deepgram API key (needed for `asr = deepgram`)."""
    deepgram_url: str | None = None
    """Override of Deepgram's base WebSocket URL (a local test server, or a proxy)."""
    deepgram_model: str = "nova-3"
    """Deepgram streaming model."""
    deepgram_encoding: str = "linear16"
    """Audio encoding sent to Deepgram."""
    openai_asr_url: str | None = None
    """An OpenAI-compatible transcription server (vLLM, speaches), e.g. http://asr-pool:8000/v1."""
    openai_asr_model: str = "whisper-1"
    """The model name the transcription server serves."""
    openai_asr_api_key: str | None = None
    """Bearer key for the transcription server, if it wants one."""
    openai_asr_concurrency: int = 8
    """Requests in flight per worker process; set CALLMON_ASR_THREADS at least as high."""
    openai_asr_language: str | None = None
    """ISO code sent as `language`; none lets the server detect it."""
    openai_asr_prompt: str | None = None
    """Sent as `prompt`: vocabulary (product names, alert keywords) Whisper should prefer."""
    twilio_auth_token: str | None = Field(
        None, validation_alias=AliasChoices("TWILIO_AUTH_TOKEN", "CALLMON_TWILIO_AUTH_TOKEN")
    )
    """Validates `X-Twilio-Signature` (strongly recommended)."""
    twilio_dial_number: str | None = None
    """Where `/twilio/voice` connects callers."""
    public_url: str | None = None
    """The https://host Twilio calls (CALLMON_PUBLIC_URL): signatures are checked
    against it and the `<Stream url>` is built from it (wss:// for https)."""
    forwarded_allow_ips: str | None = None
    """Proxies whose X-Forwarded-Proto/For uvicorn trusts (comma-separated addresses
    or networks, * for any); uvicorn's default: 127.0.0.1."""
    rolling_window: int = Field(5, ge=1)
    """Utterances in the rolling sentiment average."""
    vad_engine: str = "silero"
    """Voice activity detector: silero (robust to background noise) or webrtc (the light option)."""
    vad_threshold: float = 0.2
    """Silero: speech probability that opens speech. Low on purpose: behind a sharp 300-3400 Hz
    telephone band Silero scores plain speech 0.2-0.5, and 0.5 cut off utterance starts."""
    vad_release_threshold: float = 0.1
    """Silero: once in speech, the probability it must fall below to count as silence
    (below CALLMON_VAD_THRESHOLD)."""
    vad_aggressiveness: int = 2
    """webrtcvad mode 0..3: higher rejects more non-speech."""
    vad_end_silence_ms: int = 600
    """Silence that ends an utterance."""
    vad_max_utterance_s: float = 15.0
    """Longest utterance before a cut, even if the speaker has not paused."""
    vad_min_speech_ms: int = 200
    """Voiced audio needed to open an utterance (shorter blips are noise)."""
    vad_padding_ms: int = 200
    """Audio kept before the first voiced frame, so onsets are not clipped."""
    vad_speaker_range_db: float = Field(12.0, ge=0)
    """Silero: a frame more than this far below the track's loud frames of the last 15 s
    (its speaker), and less than this far above the line's background, does not count as
    their speech, so background talk about 15 dB below them no longer holds their
    utterance open. With either detector, a finished utterance also loses long stretches
    of background before and after its speaker. 0 turns both off."""
    audiosocket_allow: str = "127.0.0.0/8,::1"
    """Source networks allowed to connect to AudioSocket (comma list; it has no authentication)."""
    audiosocket_max_connections: int = 400
    """AudioSocket connections open at once (a split call uses two)."""
    twilio_max_streams: int = Field(400, ge=1)
    """Twilio Media Streams sockets open at once (a call uses one); further upgrades are
    closed with 1013, so idle sockets cannot use up the worker's open files."""
    max_calls: int = 200
    """Concurrent calls over every source; new ones beyond it are refused (0: no limit)."""
    audio_burst_s: float = Field(5.0, ge=0)
    """Audio a track may run ahead of real time (and the longest stall that loses nothing);
    faster audio beyond it is dropped (0: no pacing, for tools that replay calls fast on purpose)."""
    audio_flood_s: float = Field(10.0, gt=0)
    """Audio dropped for pacing within about 10 s after which the connection is closed as a flood."""
    recognition_queue_s: float = Field(120.0, gt=0)
    """Speech (audio seconds) held in memory waiting for speech-to-text; beyond it the
    oldest waits in the spool only and is transcribed late."""
    recognition_deadline_s: float = Field(15.0, gt=0)
    """An utterance waiting longer for speech-to-text goes late: kept in the spool, transcribed
    when capacity returns, stored marked late."""
    recognition_newest_first: bool = True
    """Recognise the newest speech of live calls first, so they stay current (lines it
    overtakes go late); false: first come, first served (replays that want spoken order)."""
    recordings_dirs: str = ""
    """Folders (os.pathsep-separated) whose files the dashboard may serve as recordings."""
    recordings_url_prefixes: str = ""
    """URL prefixes (comma list) the dashboard may send a browser to for a recording."""
    default_language: str = "en"
    """The calls' language when neither metadata nor in-group says, for engines
    that cannot detect it (pocketsphinx is English only)."""
    ingroup_languages: str = ""
    """ViciDial in-group to language, e.g. ``spanish_line:es,support_fr:fr``."""

    @field_validator("asr")
    @classmethod
    def _known_engine(cls, asr: str) -> str:
        if asr not in ASR_ENGINES:
            raise SettingsError(
                f"CALLMON_ASR={asr!r} is not an engine; choose one of {', '.join(ASR_ENGINES)}"
            )
        return asr

    @model_validator(mode="after")
    def _usable_values(self) -> IngestSettings:
        for name in ("audiosocket_port", "http_port"):
            port = getattr(self, name)
            if not 0 <= port <= 65535:
                raise SettingsError(f"CALLMON_{name.upper()}={port} is not a TCP port")
        if self.active_call_heartbeat_s <= 0:
            raise SettingsError("CALLMON_ACTIVE_CALL_HEARTBEAT_S must be > 0")
        try:
            parse_decoder_options(self.sphinx_options)
        except ValueError as error:
            raise SettingsError(f"CALLMON_SPHINX_OPTIONS={self.sphinx_options!r}: {error}") from None
        try:
            parse_language_map(self.ingroup_languages)
        except LanguageMapError as error:
            raise SettingsError(str(error)) from None
        if self.max_calls < 0 or self.audiosocket_max_connections < 1:
            raise SettingsError("CALLMON_MAX_CALLS must be >= 0 and CALLMON_AUDIOSOCKET_MAX_CONNECTIONS >= 1")
        try:
            parse_networks(self.audiosocket_allow)
        except ValueError as error:
            raise SettingsError(f"CALLMON_AUDIOSOCKET_ALLOW={self.audiosocket_allow!r}: {error}") from None
        if self.vad_engine not in VAD_ENGINES:
            raise SettingsError("CALLMON_VAD_ENGINE must be silero or webrtc")
        if not 0 < self.vad_threshold < 1:
            raise SettingsError("CALLMON_VAD_THRESHOLD must be between 0 and 1")
        if not 0 < self.vad_release_threshold <= self.vad_threshold:
            raise SettingsError(
                "CALLMON_VAD_RELEASE_THRESHOLD must be above 0 and at most CALLMON_VAD_THRESHOLD"
            )
        if not 0 <= self.vad_aggressiveness <= 3:
            raise SettingsError("CALLMON_VAD_AGGRESSIVENESS must be 0, 1, 2 or 3")
        if self.vad_end_silence_ms < 20 or self.vad_max_utterance_s <= 0:
            raise SettingsError("CALLMON_VAD_END_SILENCE_MS must be >= 20 and MAX_UTTERANCE_S > 0")
        if self.database_url:
            try:
                parse_database_url(self.database_url)
            except ValueError as error:
                raise SettingsError(str(error)) from None
        return self

    @property
    def database(self) -> DatabaseTarget:
        """Where the stores live: CALLMON_DATABASE_URL when set, else the SQLite file db_path."""
        if self.database_url:
            return parse_database_url(self.database_url)
        return DatabaseTarget("sqlite", path=self.db_path)

    @property
    def pacing(self) -> PacingPolicy:
        """How fast the adapters let audio in (see `ingest.adapters.pacing`)."""
        return PacingPolicy(burst_s=self.audio_burst_s, flood_s=self.audio_flood_s)

    @property
    def vad(self) -> VadSettings:
        """The voice-activity settings, as the segmenter takes them."""
        return VadSettings(
            engine=self.vad_engine,
            threshold=self.vad_threshold,
            release_threshold=self.vad_release_threshold,
            aggressiveness=self.vad_aggressiveness,
            end_silence_ms=self.vad_end_silence_ms,
            max_utterance_s=self.vad_max_utterance_s,
            min_speech_ms=self.vad_min_speech_ms,
            padding_ms=self.vad_padding_ms,
            speaker_range_db=self.vad_speaker_range_db,
        )


def is_loopback_host(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def unsigned_twilio_problem(settings: IngestSettings, host: str) -> str | None:
    """Why Twilio endpoints on `host` must not be served, or None when they may."""
    if settings.twilio_auth_token or is_loopback_host(host) or settings.allow_unsigned_twilio:
        return None
    return (
        f"the Twilio endpoints would listen on {host} with no TWILIO_AUTH_TOKEN: anyone who reaches the"
        " port could start or feed calls. Set TWILIO_AUTH_TOKEN, bind CALLMON_HTTP_HOST=127.0.0.1 behind"
        " a proxy, or pass --allow-unsigned-twilio (CALLMON_ALLOW_UNSIGNED_TWILIO=1) on a trusted network"
    )
