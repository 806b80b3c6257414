"""Deepgram live streaming (SDK v7) behind `StreamingRecognizer`.

One WebSocket per track: audio goes up as it arrives, Deepgram decides where
utterances end and sends interim and final `Results`; final pieces are joined
into one utterance up to `speech_final` or `UtteranceEnd` (deepgram_turns). Deepgram closes a
socket that gets no data for about 10 s, so an idle stream sends `KeepAlive`;
a socket that drops is reopened on the next `send()` (audio sent while it
was down is lost) and a failed reopen surfaces as `EngineUnavailable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from ingest.asr.base import EngineUnavailable, StreamResult, Word, base_language
from ingest.asr.deepgram_turns import Piece, TurnAssembler
from ingest.audio.mulaw import encode_mulaw
from ingest.tasks import spawn

log = logging.getLogger(__name__)

ENCODINGS = ("linear16", "mulaw")
KEYWORD_INTENSIFIER = 2
"""Deepgram's `keywords` boost (older models): 1-2 lifts a word without making it hallucinate."""
_END = object()


class DeepgramRecognizer:
    """Opens one Deepgram live stream per call track."""

    name = "deepgram"

    def __init__(
        self,
        api_key: str,
        model: str = "nova-3",
        encoding: str = "linear16",
        base_url: str | None = None,
        *,
        language: str = "en",
        endpointing_ms: int = 300,
        utterance_end_ms: int = 1000,
        keepalive_s: float = 5.0,
        close_timeout_s: float = 10.0,
        keywords: tuple[str, ...] = (),
    ) -> None:
        if encoding not in ENCODINGS:
            raise EngineUnavailable(f"Deepgram encoding {encoding!r} is not one of {ENCODINGS}")
        if not api_key:
            raise EngineUnavailable("Deepgram needs an API key (DEEPGRAM_API_KEY)")
        self.api_key = api_key
        self.model = model
        self.encoding = encoding
        self.base_url = base_url.rstrip("/") if base_url else None
        self.language = language
        self.endpointing_ms = endpointing_ms
        self.utterance_end_ms = utterance_end_ms
        self.keepalive_s = keepalive_s
        self.close_timeout_s = close_timeout_s
        self.keywords = keywords
        """The alert keywords, boosted: `keyterm` on Nova-3, `keywords` with an intensifier before."""

    async def open_stream(self, sample_rate: int, language: str | None = None) -> DeepgramStream:
        stream = DeepgramStream(self, sample_rate, language)
        await stream.connect()
        return stream

    def client(self) -> Any:
        try:
            # The SDK is large: loaded only when Deepgram is the engine.
            from deepgram import AsyncDeepgramClient  # noqa: PLC0415 (large SDK, Deepgram only)
            from deepgram.environment import DeepgramClientEnvironment  # noqa: PLC0415 (as above)
        except ImportError as error:
            raise EngineUnavailable(
                f"deepgram-sdk is not installed ({error}); pip install 'deepgram-sdk>=7,<8'"
            ) from error
        options: dict[str, Any] = {"api_key": self.api_key}
        if self.base_url:
            # The SDK builds the live URL from `environment.production`.
            http_url = self.base_url.replace("wss://", "https://").replace("ws://", "http://")
            options["environment"] = DeepgramClientEnvironment(
                base=http_url, production=self.base_url, agent=self.base_url, agent_rest=http_url
            )
        return AsyncDeepgramClient(**options)

    def connect_options(self, sample_rate: int, language: str | None = None) -> dict[str, str | list[str]]:
        # Deepgram's query values are strings on the wire; the SDK passes them
        # as given and repeats a list's key once per item.
        options: dict[str, str | list[str]] = {
            "model": self.model,
            "encoding": self.encoding,
            "sample_rate": str(sample_rate),
            "channels": "1",
            "language": base_language(language) if language else self.language,
            "interim_results": "true",
            "punctuate": "true",
            "endpointing": str(self.endpointing_ms),
            "utterance_end_ms": str(self.utterance_end_ms),
        }
        if self.keywords:
            if self.model.startswith("nova-3"):
                options["keyterm"] = list(self.keywords)
            else:
                options["keywords"] = [f"{keyword}:{KEYWORD_INTENSIFIER}" for keyword in self.keywords]
        return options


class DeepgramStream:
    """One track's live connection; implements `RecognitionStream`."""

    def __init__(self, recognizer: DeepgramRecognizer, sample_rate: int, language: str | None = None) -> None:
        self._recognizer = recognizer
        self._sample_rate = sample_rate
        self._language = language
        # Deepgram is asked for the base language ("es" for "es-MX"): every
        # model has those, not every regional variant.
        self._asked_language = base_language(language) if language else recognizer.language
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._exit_stack: contextlib.AsyncExitStack | None = None
        self._socket: Any = None
        self._receiver: asyncio.Task[None] | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._closing = False
        self._closed = False
        self._socket_lost = False
        self._failure: EngineUnavailable | None = None
        self._offset = 0.0
        """Track seconds before the current socket opened: Deepgram's times restart at 0."""
        self._seconds_sent = 0.0
        self._last_sent = time.monotonic()

    async def connect(self) -> None:
        recognizer = self._recognizer
        exit_stack = contextlib.AsyncExitStack()
        try:
            client = recognizer.client()
            socket = await exit_stack.enter_async_context(
                client.listen.v1.connect(**recognizer.connect_options(self._sample_rate, self._language))
            )
        except EngineUnavailable:
            await exit_stack.aclose()
            raise
        except Exception as error:
            await exit_stack.aclose()
            raise EngineUnavailable(_describe_connect_error(error)) from error
        self._exit_stack, self._socket, self._socket_lost = exit_stack, socket, False
        self._offset = self._seconds_sent
        self._receiver = spawn(self._receive(socket, self._offset), name="deepgram-receive")
        if self._keepalive is None:
            self._keepalive = spawn(self._keep_alive(), name="deepgram-keepalive")

    async def send(self, pcm: bytes) -> None:
        if self._closing:
            raise self._failure or RuntimeError("send() on a closed Deepgram stream")
        if not pcm:
            return
        payload = encode_mulaw(pcm) if self._recognizer.encoding == "mulaw" else pcm
        async with self._lock:
            if self._socket_lost:
                await self._reconnect()
            try:
                await self._socket.send_media(payload)
            except Exception as error:  # websockets' ConnectionClosed and OSError alike
                log.warning("deepgram socket lost while sending (%s); reconnecting", _one_line(error))
                await self._reconnect()
                try:
                    await self._socket.send_media(payload)
                except Exception as again:
                    failure = EngineUnavailable(
                        f"Deepgram failed right after reconnecting: {_one_line(again)}"
                    )
                    self._fail(failure)
                    raise failure from again
            self._seconds_sent += len(pcm) / 2 / self._sample_rate
            self._last_sent = time.monotonic()

    async def results(self) -> AsyncIterator[StreamResult]:
        while True:
            item = await self._queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    async def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        if self._keepalive is not None:
            self._keepalive.cancel()
        async with self._lock:
            receiver = self._receiver
            if self._socket is not None and not self._socket_lost:
                try:
                    await self._socket.send_close_stream()
                except Exception as error:
                    log.info("deepgram socket already gone at close: %s", error)
            if receiver is not None and not receiver.done():
                try:
                    # Deepgram sends the last finals and Metadata, then closes.
                    await asyncio.wait_for(asyncio.shield(receiver), self._recognizer.close_timeout_s)
                except TimeoutError:
                    log.warning("deepgram did not close the stream in time; closing it")
            await self._release()
            if receiver is not None and not receiver.done():
                receiver.cancel()
        self._finish()

    async def _reconnect(self) -> None:
        await self._release()
        try:
            await self.connect()
        except EngineUnavailable as error:
            self._fail(error)
            raise
        log.info("deepgram stream reconnected at %.2f s of track audio", self._offset)

    async def _release(self) -> None:
        exit_stack, self._exit_stack = self._exit_stack, None
        if exit_stack is not None:
            try:
                await exit_stack.aclose()
            except Exception as error:  # closing a dead socket can raise; it is gone either way
                log.debug("closing deepgram socket: %s", error)

    def _fail(self, error: EngineUnavailable) -> None:
        """End the stream: `results()` raises `error`, later sends raise it too."""
        self._failure = error
        self._closing = True
        self._queue.put_nowait(error)
        self._finish()

    def _finish(self) -> None:
        if not self._closed:
            self._closed = True
            if self._keepalive is not None:
                self._keepalive.cancel()
            self._queue.put_nowait(_END)

    async def _receive(self, socket: Any, offset: float) -> None:
        turns = TurnAssembler()  # per socket: a new socket starts a new turn
        try:
            async for message in socket:
                for result in _handle_message(message, turns, offset, self._asked_language):
                    self._queue.put_nowait(result)
        except Exception as error:  # a dropped socket ends iteration with ConnectionClosed
            if not self._closing:
                log.warning("deepgram socket dropped: %s", _one_line(error))
        finally:
            # Stable text of an unfinished turn is kept rather than lost with the socket.
            for result in turns.flush():
                self._queue.put_nowait(result)
            if socket is self._socket and not self._closing:
                self._socket_lost = True

    async def _keep_alive(self) -> None:
        interval = self._recognizer.keepalive_s
        while True:
            await asyncio.sleep(interval / 2)
            if time.monotonic() - self._last_sent < interval:
                continue
            async with self._lock:
                if self._closing or self._socket_lost or self._socket is None:
                    continue
                try:
                    await self._socket.send_keep_alive()
                    self._last_sent = time.monotonic()
                except Exception as error:
                    log.info("deepgram keepalive failed (%s); reconnect on next audio", error)
                    self._socket_lost = True


def _handle_message(message: Any, turns: TurnAssembler, offset: float, language: str) -> list[StreamResult]:
    """Feed one Deepgram message to the turn assembler; what to emit now."""
    kind = getattr(message, "type", None)
    if kind == "Results":
        parsed = _to_piece(message, offset, language)
        if parsed is None:
            return []
        piece, is_final, speech_final = parsed
        return turns.on_results(piece, is_final=is_final, speech_final=speech_final)
    if kind == "UtteranceEnd":
        return turns.on_utterance_end()
    if kind == "Error":
        log.warning("deepgram error: %s", getattr(message, "description", message))
    elif kind not in ("Metadata", "SpeechStarted"):
        log.debug("deepgram message ignored: %r", message)
    return []


def _to_piece(message: Any, offset: float, language: str) -> tuple[Piece, bool, bool] | None:
    """A `Results` message as (piece, is_final, speech_final); malformed ones are dropped."""
    try:
        alternative = message.channel.alternatives[0]
        start = float(message.start) + offset
        piece = Piece(
            start=start,
            end=start + float(message.duration),
            # Deepgram reports silence as empty finals; they still count for speech_final.
            text=alternative.transcript.strip(),
            confidence=_unit(alternative.confidence),
            language=(getattr(alternative, "languages", None) or [language])[0],
            words=tuple(
                Word(
                    str(word.word),
                    float(word.start) + offset,
                    float(word.end) + offset,
                    _unit(word.confidence),
                )
                for word in (getattr(alternative, "words", None) or [])
                if getattr(word, "confidence", None) is not None
            ),
        )
        return piece, bool(message.is_final), bool(getattr(message, "speech_final", False))
    except (AttributeError, IndexError, TypeError, ValueError) as error:
        log.warning("malformed deepgram Results dropped: %s", error)
        return None


def _unit(value: Any) -> float:
    return min(1.0, max(0.0, float(value)))


def _describe_connect_error(error: Exception) -> str:
    status = getattr(error, "status_code", None)
    if status == 401:
        return "Deepgram rejected the API key (HTTP 401); check DEEPGRAM_API_KEY"
    if status is not None:
        return f"Deepgram refused the stream (HTTP {status}): {getattr(error, 'body', '')}"
    return f"cannot reach Deepgram: {_one_line(error)}"


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"
