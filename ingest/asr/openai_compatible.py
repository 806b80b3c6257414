"""A remote Whisper behind the OpenAI-compatible `POST /v1/audio/transcriptions`.

vLLM, speaches (faster-whisper-server) and several cloud providers serve this
API; it is how a fleet of ingest workers shares a pool of GPUs behind a load
balancer. Each utterance is one multipart upload of a WAV.

The pipeline calls `recognize()` from worker threads; a semaphore caps the
requests in flight from this process so a burst of utterances queues here
instead of overloading the pool. 429, 5xx and network errors (timeouts
included) are retried with exponential back-off, honouring `Retry-After`;
the slot is kept while backing off, so an overloaded pool sees less traffic,
not more.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
)
from tenacity.wait import wait_base

from ingest.asr.base import EngineUnavailable, base_language
from ingest.asr.transcription_response import (
    MalformedResponse,
    recognition_from_response,
    wav_from_pcm,
)
from ingest.events import Recognition
from ingest.retry import backoff_delay

log = logging.getLogger(__name__)

ASR_SAMPLE_RATE = 16000
RETRYABLE_STATUS = frozenset({408, 429})
"""Besides every 5xx: timeouts and overload answers that a later try can pass."""


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OpenAICompatibleRecognizer:
    """`UtteranceRecognizer` over HTTP; thread-safe, one connection pool per process."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        language: str | None = None,
        prompt: str | None = None,
        hotwords: Sequence[str] = (),
        concurrency: int = 4,
        timeout_s: float = 30.0,
        connect_timeout_s: float = 5.0,
        attempts: int = 4,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        temperature: float = 0.0,
        word_timestamps: bool = True,
        check_server: bool = True,
    ) -> None:
        if concurrency < 1:
            raise EngineUnavailable(f"speech-to-text concurrency must be at least 1, not {concurrency}")
        self.api_root = api_root(base_url)
        self.model = model
        self.language = language
        self.prompt = build_prompt(prompt, hotwords)
        self.concurrency = concurrency
        self.temperature = temperature
        self.word_timestamps = word_timestamps
        self._attempts = max(1, attempts)
        self._wait = _Backoff(backoff_s, max_backoff_s)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )
        self._slots = threading.BoundedSemaphore(concurrency)
        self._count_lock = threading.Lock()
        self._queued = 0
        self._in_flight = 0
        if check_server:
            try:
                self.check_server()
            except BaseException:
                self._client.close()
                raise

    @property
    def queued(self) -> int:
        """Utterances waiting for a free request slot."""
        return self._queued

    @property
    def in_flight(self) -> int:
        """Requests sent and not yet answered (retries and back-off included)."""
        return self._in_flight

    def check_server(self) -> None:
        """Fail at start-up, with the setting to fix, when the server cannot serve us.

        `GET /v1/models` is served by vLLM, speaches and OpenAI; a server
        without it (404) is still reachable, which is what matters here.
        """
        url = f"{self.api_root}/models"
        try:
            response = self._client.get(url)
        except httpx.HTTPError as error:
            raise EngineUnavailable(
                f"cannot reach the speech-to-text server at {self.api_root} ({_describe(error)}); "
                "check CALLMON_OPENAI_ASR_URL and that the server is running"
            ) from error
        if response.status_code in (401, 403):
            raise EngineUnavailable(
                f"the speech-to-text server at {self.api_root} rejected the API key "
                f"(HTTP {response.status_code}); check CALLMON_OPENAI_ASR_API_KEY"
            )
        if response.status_code != 200:
            log.info("%s answered HTTP %d; transcription requests will tell", url, response.status_code)
            return
        served = _served_models(response)
        if served and self.model not in served:
            log.warning(
                "speech-to-text server %s does not list model %r (it serves %s); "
                "requests may fail, check CALLMON_OPENAI_ASR_MODEL",
                self.api_root,
                self.model,
                ", ".join(sorted(served)[:10]),
            )

    def recognize(self, pcm16k: bytes, language: str | None = None) -> Recognition:
        # The call's language wins over the configured one; with neither the
        # server detects it.
        language = base_language(language) if language else self.language
        if len(pcm16k) % 2:
            pcm16k = pcm16k[:-1]
        if not pcm16k:
            return Recognition(text="", confidence=0.0, language=language)
        upload = wav_from_pcm(pcm16k, ASR_SAMPLE_RATE)
        with self._slot():
            payload = self._transcribe_with_retries(upload, language)
        try:
            return recognition_from_response(payload, language)
        except MalformedResponse as error:
            raise EngineUnavailable(f"speech-to-text server {self.api_root}: {error}") from error

    def close(self) -> None:
        self._client.close()

    @contextlib.contextmanager
    def _slot(self) -> Iterator[None]:
        with self._count_lock:
            self._queued += 1
        self._slots.acquire()
        with self._count_lock:
            self._queued -= 1
            self._in_flight += 1
        try:
            yield
        finally:
            with self._count_lock:
                self._in_flight -= 1
            self._slots.release()

    def _transcribe_with_retries(self, upload: bytes, language: str | None) -> Any:
        retrying = Retrying(
            stop=stop_after_attempt(self._attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            return retrying(self._transcribe_once, upload, language)
        except _Retryable as error:
            raise EngineUnavailable(
                f"speech-to-text server {self.api_root}: {error} (gave up after {self._attempts} attempts)"
            ) from error

    def _transcribe_once(self, upload: bytes, language: str | None) -> Any:
        try:
            response = self._client.post(
                f"{self.api_root}/audio/transcriptions",
                files={"file": ("utterance.wav", upload, "audio/wav")},
                data=self._form_fields(language),
            )
        except httpx.TransportError as error:
            raise _Retryable(_describe(error)) from error
        status = response.status_code
        if status == 200:
            try:
                return response.json()
            except ValueError as error:
                raise EngineUnavailable(
                    f"speech-to-text server {self.api_root} answered with invalid JSON: {response.text[:200]!r}"
                ) from error
        message = f"HTTP {status}: {_error_message(response)}"
        if status >= 500 or status in RETRYABLE_STATUS:
            raise _Retryable(message, _retry_after(response))
        if status in (401, 403):
            message += "; check CALLMON_OPENAI_ASR_API_KEY"
        raise EngineUnavailable(f"speech-to-text server {self.api_root} refused the request: {message}")

    def _form_fields(self, language: str | None) -> dict[str, str | list[str]]:
        fields: dict[str, str | list[str]] = {
            "model": self.model,
            "response_format": "verbose_json",
            "temperature": str(self.temperature),
            # Segments carry Whisper's log-probabilities (confidence); words
            # cost the server an alignment pass but carry per-word times.
            "timestamp_granularities[]": ["segment", "word"] if self.word_timestamps else ["segment"],
        }
        if language:
            fields["language"] = language
        if self.prompt:
            fields["prompt"] = self.prompt
        return fields

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "speech-to-text server %s: %s; retry %d of %d in %.1f s",
            self.api_root,
            error,
            state.attempt_number,
            self._attempts - 1,
            state.next_action.sleep if state.next_action else 0.0,
        )


class _Backoff(wait_base):
    """The server's `Retry-After` when it sent one, else exponential with jitter;
    capped either way. Jitter keeps a fleet of workers from retrying in step."""

    def __init__(self, first_s: float, cap_s: float) -> None:
        self.first_s = first_s
        self.cap_s = cap_s

    def __call__(self, retry_state: RetryCallState) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(error, _Retryable) and error.retry_after is not None:
            return min(error.retry_after, self.cap_s)
        exponential = backoff_delay(retry_state.attempt_number - 1, self.first_s)
        return min(self.cap_s, exponential + random.uniform(0, self.first_s))


def api_root(base_url: str) -> str:
    """`http://host:8000`, `.../v1` or the full transcriptions URL, as `.../v1`."""
    root = base_url.strip().rstrip("/")
    root = root.removesuffix("/audio/transcriptions")
    if not root.startswith(("http://", "https://")):
        raise EngineUnavailable(f"CALLMON_OPENAI_ASR_URL={base_url!r} is not an http(s) URL")
    return root if root.endswith("/v1") else f"{root}/v1"


def build_prompt(prompt: str | None, hotwords: Sequence[str]) -> str | None:
    """Whisper has no hotword list; words in the prompt bias decoding towards them."""
    parts = [prompt.strip()] if prompt and prompt.strip() else []
    words = [word.strip() for word in hotwords if word.strip()]
    if words:
        parts.append(", ".join(words) + ".")
    return " ".join(parts) or None


def _served_models(response: httpx.Response) -> set[str]:
    try:
        data = response.json().get("data", [])
        return {str(item["id"]) for item in data if isinstance(item, dict) and "id" in item}
    except (ValueError, AttributeError, TypeError):
        return set()


def _error_message(response: httpx.Response) -> str:
    """OpenAI's `{"error": {"message": ...}}`, FastAPI's `{"detail": ...}`, or the text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200] or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:200]
        if isinstance(error, str):
            return error[:200]
        if body.get("detail"):
            return str(body["detail"])[:200]
    return str(body)[:200]


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from `Retry-After` (the HTTP-date form is rare here and ignored)."""
    try:
        value = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return max(0.0, value)


def _describe(error: httpx.HTTPError) -> str:
    detail = str(error).strip()
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__
