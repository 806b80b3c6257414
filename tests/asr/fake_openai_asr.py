"""A local server speaking the OpenAI-compatible transcription API.

`POST /v1/audio/transcriptions` takes the documented multipart form (`file`,
`model`, `language`, `prompt`, `response_format`, `temperature`,
`timestamp_granularities[]`) and answers `json`, `text` or `verbose_json`.
The words are real: pocketsphinx transcribes the uploaded WAV, so a test
through the pipeline proves the audio arrived intact. `GET /v1/models` lists
the served model. Tests script faults (429, 5xx, slow answers, dropped
connections) and can hold requests to observe concurrency.

It runs its own event loop in a thread, so blocking clients (the engine is
called from the pipeline's worker threads) can be tested from plain tests.
"""

from __future__ import annotations

import asyncio
import io
import math
import threading
import wave
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ingest.asr.sphinx import SphinxRecognizer

LANGUAGE_NAMES = {"en": "english", "es": "spanish", "de": "german"}


@dataclass(frozen=True)
class Reply:
    """A canned answer for the next request instead of a transcription."""

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delay:
    """Transcribe the next request, but only after `seconds`."""

    seconds: float


@dataclass(frozen=True)
class Drop:
    """Close the connection on the next request without answering."""


Fault = Reply | Delay | Drop


@dataclass
class TranscriptionRequest:
    fields: dict[str, list[str]]
    filename: str
    content_type: str
    channels: int
    sample_width: int
    sample_rate: int
    pcm: bytes
    authorization: str | None

    def field(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[0] if values else None


class FakeTranscriptionServer:
    def __init__(
        self,
        *,
        api_key: str | None = None,
        models: tuple[str, ...] = ("whisper-1",),
        language_style: str = "name",
        word_probabilities: bool = False,
        transcript: str | None = None,
    ) -> None:
        self.api_key = api_key
        self.models = models
        self.language_style = language_style
        """"name" reports "english" like OpenAI, "code" reports "en" like speaches."""
        self.word_probabilities = word_probabilities
        self.transcript = transcript
        """Fixed text instead of pocketsphinx (tests that do not need real words)."""
        self.faults: deque[Fault] = deque()
        self.requests: list[TranscriptionRequest] = []
        self.attempts = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._recognizer: SphinxRecognizer | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-openai-asr", daemon=True)
        self._runner: web.AppRunner | None = None
        self._gate: asyncio.Event | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeTranscriptionServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    def stop(self) -> None:
        if self._loop.is_closed():
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()

    def hold(self) -> None:
        """Requests wait (counted in flight) until `release()`."""
        self._call(self._make_gate)

    def release(self) -> None:
        self._call(self._open_gate)

    def _call(self, function: Any) -> None:
        async def run() -> None:
            function()

        asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=30)

    def _make_gate(self) -> None:
        self._gate = asyncio.Event()

    def _open_gate(self) -> None:
        if self._gate is not None:
            self._gate.set()

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/audio/transcriptions", self._transcriptions)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.base_events.Server)
        self.port = server.sockets[0].getsockname()[1]

    def _unauthorized(self, request: web.Request) -> web.Response | None:
        if self.api_key is None or request.headers.get("Authorization") == f"Bearer {self.api_key}":
            return None
        return _error(401, "Incorrect API key provided.", "invalid_request_error")

    async def _models(self, request: web.Request) -> web.Response:
        if (refused := self._unauthorized(request)) is not None:
            return refused
        return web.json_response(
            {
                "object": "list",
                "data": [{"id": m, "object": "model", "owned_by": "fake"} for m in self.models],
            }
        )

    async def _transcriptions(self, request: web.Request) -> web.StreamResponse:
        self.attempts += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self._gate is not None:
                await self._gate.wait()
            return await self._answer(request)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._unauthorized(request)) is not None:
            return refused
        fault = self.faults.popleft() if self.faults else None
        if isinstance(fault, Drop):
            assert request.transport is not None
            request.transport.abort()
            raise asyncio.CancelledError
        if isinstance(fault, Reply):
            if isinstance(fault.body, str):
                return web.Response(status=fault.status, text=fault.body, headers=fault.headers)
            return web.json_response(fault.body, status=fault.status, headers=fault.headers)
        if isinstance(fault, Delay):
            await asyncio.sleep(fault.seconds)
        parsed = await _parse_upload(request)
        if isinstance(parsed, web.Response):
            return parsed
        self.requests.append(parsed)
        text, confidence = await self._transcribe(parsed.pcm)
        return self._format(parsed, text, confidence)

    async def _transcribe(self, pcm: bytes) -> tuple[str, float]:
        if self.transcript is not None:
            return self.transcript, 0.9
        if self._recognizer is None:
            self._recognizer = SphinxRecognizer()
        result = await asyncio.get_running_loop().run_in_executor(None, self._recognizer.recognize, pcm)
        return result.text, result.confidence

    def _format(self, upload: TranscriptionRequest, text: str, confidence: float) -> web.Response:
        response_format = upload.field("response_format") or "json"
        if response_format == "text":
            return web.Response(text=text)
        if response_format == "json":
            return web.json_response({"text": text})
        if response_format != "verbose_json":
            return _error(400, f"response_format {response_format!r} is not supported")
        duration = len(upload.pcm) / 2 / upload.sample_rate
        language = upload.field("language") or "en"
        body: dict[str, Any] = {
            "task": "transcribe",
            "language": LANGUAGE_NAMES.get(language, language) if self.language_style == "name" else language,
            "duration": duration,
            "text": text,
        }
        granularities = upload.fields.get("timestamp_granularities[]", ["segment"])
        if "segment" in granularities:
            body["segments"] = [_segment(text, duration, confidence)] if text else []
        if "word" in granularities:
            body["words"] = _words(text, duration, confidence if self.word_probabilities else None)
        return web.json_response(body)


async def _parse_upload(request: web.Request) -> TranscriptionRequest | web.Response:
    if not request.content_type.startswith("multipart/form-data"):
        return _error(400, f"expected multipart/form-data, got {request.content_type}")
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        return _error(400, "'file' is a required file field")
    fields: dict[str, list[str]] = {}
    for name, value in form.items():
        if isinstance(value, str):
            fields.setdefault(name, []).append(value)
    if not fields.get("model"):
        return _error(400, "'model' is a required field")
    try:
        with wave.open(io.BytesIO(upload.file.read()), "rb") as reader:
            channels, width, rate = reader.getnchannels(), reader.getsampwidth(), reader.getframerate()
            pcm = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as error:
        return _error(400, f"could not decode the audio file: {error}")
    if (channels, width) != (1, 2):
        return _error(400, f"expected 16-bit mono, got {channels} channels of {width} bytes")
    return TranscriptionRequest(
        fields=fields,
        filename=upload.filename,
        content_type=upload.content_type,
        channels=channels,
        sample_width=width,
        sample_rate=rate,
        pcm=pcm,
        authorization=request.headers.get("Authorization"),
    )


def _segment(text: str, duration: float, confidence: float) -> dict[str, Any]:
    return {
        "id": 0,
        "seek": 0,
        "start": 0.0,
        "end": round(duration, 2),
        "text": f" {text}",
        "tokens": [50364, 50414],
        "temperature": 0.0,
        "avg_logprob": math.log(max(confidence, 1e-6)),
        "compression_ratio": 1.1,
        "no_speech_prob": 0.01,
    }


def _words(text: str, duration: float, probability: float | None) -> list[dict[str, Any]]:
    words = text.split()
    step = duration / max(len(words), 1)
    result: list[dict[str, Any]] = []
    for index, word in enumerate(words):
        item: dict[str, Any] = {
            "word": word,
            "start": round(index * step, 2),
            "end": round((index + 1) * step, 2),
        }
        if probability is not None:
            item["probability"] = probability
        result.append(item)
    return result


def _error(status: int, message: str, kind: str = "invalid_request_error") -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": kind, "param": None, "code": None}}, status=status
    )
