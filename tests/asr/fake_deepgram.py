"""A local server speaking Deepgram's live listen protocol (`/v1/listen`).

Deepgram is a paid cloud service, so tests talk to this instead. It checks
what the real one checks (path, query, `Authorization: Token <key>`), takes
binary audio in the encoding the query names, and answers with the real
message shapes and Deepgram's documented end-of-speech sequence: interim
`Results` while speech goes on, `is_final` pieces in the middle of
continuous speech, `speech_final` once the audio has been silent for the
`endpointing` time, `UtteranceEnd` when words stop without silence, and
`Metadata` on `CloseStream`. The
transcripts come from running pocketsphinx on the audio received, so the text
depends on what was sent. Like Deepgram it closes a socket (1011, NET-0001)
that gets neither audio nor a text message within the idle timeout.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import soxr
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ingest.audio.mulaw import decode_mulaw

log = logging.getLogger(__name__)

FRAME_S = 0.02
SPEECH_RMS = 200.0
MIN_DECODE_S = 0.1
MODEL_UUID = "1abfe86b-e047-4eed-858a-35e5625b41ee"


@dataclass
class ListenSession:
    """What one client connection did, for tests to assert on."""

    query: dict[str, str]
    audio_bytes: int = 0
    controls: list[str] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    close_code: int | None = None


class FakeDeepgram:
    def __init__(
        self,
        api_key: str = "test-key",
        idle_timeout_s: float = 10.0,
        interim_every_s: float = 1.0,
        *,
        final_after_s: float = 1.0,
        piece_pause_s: float = 0.1,
        max_piece_s: float = 5.0,
    ) -> None:
        self.api_key = api_key
        self.idle_timeout_s = idle_timeout_s
        self.interim_every_s = interim_every_s
        self.final_after_s = final_after_s
        """A piece this long is made final at the next short pause (mid-speech)..."""
        self.piece_pause_s = piece_pause_s
        """...a pause shorter than endpointing, so the turn goes on."""
        self.max_piece_s = max_piece_s
        self.sessions: list[ListenSession] = []
        self.rejected: list[int] = []
        self._server: Server | None = None
        self._open: set[ServerConnection] = set()
        self._decoder: Any = None
        self._decoder_lock = threading.Lock()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"ws://{host}:{port}"

    async def start(self) -> FakeDeepgram:
        self._server = await serve(self._session, "127.0.0.1", 0, process_request=self._check_request)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def drop_connections(self) -> None:
        """Close every open socket abruptly, as a network failure would."""
        for connection in list(self._open):
            connection.transport.abort()

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        if url.path != "/v1/listen":
            return self._reject(connection, 404, "Not Found")
        if request.headers.get("Authorization") != f"Token {self.api_key}":
            return self._reject(connection, 401, "INVALID_AUTH: Invalid credentials.")
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        if query.get("encoding", "linear16") not in ("linear16", "mulaw"):
            return self._reject(connection, 400, "UNSUPPORTED_ENCODING")
        if not query.get("sample_rate", "").isdigit() or query.get("channels", "1") != "1":
            return self._reject(connection, 400, "sample_rate and channels=1 are required")
        return None

    def _reject(self, connection: ServerConnection, status: int, text: str) -> Response:
        self.rejected.append(status)
        return connection.respond(status, text)

    async def _session(self, connection: ServerConnection) -> None:
        query = {k: v[-1] for k, v in parse_qs(urlsplit(connection.request.path).query).items()}
        session = ListenSession(query=query)
        self.sessions.append(session)
        self._open.add(connection)
        try:
            await _Listener(self, connection, session).run()
        except ConnectionClosed:
            pass  # the client went away; nothing left to answer
        finally:
            self._open.discard(connection)
            session.close_code = connection.close_code

    def transcribe(self, pcm16k: bytes) -> tuple[str, float, list[tuple[str, float, float, float]]]:
        """pocketsphinx text, mean word posterior and (word, start, end, confidence)."""
        with self._decoder_lock:
            if self._decoder is None:
                from pocketsphinx import Decoder

                self._decoder = Decoder(logfn="/dev/null")
            decoder = self._decoder
            decoder.start_utt()
            decoder.process_raw(pcm16k, full_utt=True)
            decoder.end_utt()
            hypothesis = decoder.hyp()
            words = [
                (s.word.split("(")[0], s.start_frame / 100, (s.end_frame + 1) / 100, min(1.0, s.prob))
                for s in decoder.seg()
                if not s.word.startswith(("<", "["))
            ]
        text = hypothesis.hypstr if hypothesis is not None else ""
        confidence = sum(w[3] for w in words) / len(words) if words else 0.0
        return text, confidence, words


class _Listener:
    """One connection: turns incoming audio into Deepgram messages.

    The message sequence follows Deepgram's documentation of end of speech:
    `is_final` results come in the middle of continuous speech (here: at a
    short pause once a piece is long enough, or after `max_piece_s` without
    one) with `speech_final: false`; `speech_final: true` comes once the
    audio has been quiet for the `endpointing` time (with an empty transcript
    when the last piece was already final); when words stop but the line
    never goes quiet (noise), the open piece is finalised and `UtteranceEnd`
    follows `utterance_end_ms` after the last word. `UtteranceEnd` also
    follows a `speech_final` when audio keeps coming, as Deepgram's does.
    """

    def __init__(self, server: FakeDeepgram, connection: ServerConnection, session: ListenSession) -> None:
        self.server = server
        self.connection = connection
        self.session = session
        self.query = session.query
        self.rate = int(self.query["sample_rate"])
        self.encoding = self.query.get("encoding", "linear16")
        self.interim = self.query.get("interim_results") == "true"
        self.endpoint_s = int(self.query.get("endpointing", "10")) / 1000
        end_ms = self.query.get("utterance_end_ms")
        self.utterance_end_s = int(end_ms) / 1000 if end_ms else None
        self.request_id = str(uuid.uuid4())
        self.samples = np.zeros(0, dtype=np.int16)  # the whole track, at `rate`
        self.piece_start: int | None = None
        """First sample of the text not yet sent as final."""
        self.turn_open = False
        """Voice came since the last speech_final."""
        self.last_cut = 0
        self.last_voice: int = 0
        self.last_interim: int = 0
        self.last_word_end: float | None = None
        """Track seconds of the newest word sent while no UtteranceEnd followed yet."""

    async def run(self) -> None:
        while True:
            try:
                message = await asyncio.wait_for(self.connection.recv(), self.server.idle_timeout_s)
            except TimeoutError:
                await self.connection.close(
                    1011,
                    "Deepgram did not receive audio data or a text message within the timeout "
                    "window. See https://dpgr.am/net0001",
                )
                return
            if isinstance(message, bytes):
                await self._on_audio(message)
            elif not await self._on_control(message):
                return

    async def _on_control(self, text: str) -> bool:
        try:
            kind = json.loads(text)["type"]
        except (ValueError, KeyError, TypeError):
            await self._send(
                {"type": "Error", "variant": "SchemaError", "description": "bad message", "message": text}
            )
            return True
        self.session.controls.append(kind)
        if kind == "KeepAlive":
            return True
        if kind == "Finalize":
            await self._flush(from_finalize=True)
            return True
        if kind == "CloseStream":
            await self._flush(from_finalize=False)
            await self._send(
                {
                    "type": "Metadata",
                    "transaction_key": "deprecated",
                    "request_id": self.request_id,
                    "sha256": "0" * 64,
                    "created": datetime.datetime.now(datetime.UTC).isoformat(),
                    "duration": len(self.samples) / self.rate,
                    "channels": 1,
                    "models": [MODEL_UUID],
                    "model_info": {
                        MODEL_UUID: {"name": "general-nova-3", "version": "fake", "arch": "nova-3"}
                    },
                }
            )
            await self.connection.close(1000)
            return False
        await self._send(
            {
                "type": "Error",
                "variant": "SchemaError",
                "description": f"unknown type {kind}",
                "message": text,
            }
        )
        return True

    async def _on_audio(self, data: bytes) -> None:
        self.session.audio_bytes += len(data)
        pcm = decode_mulaw(data) if self.encoding == "mulaw" else data[: len(data) // 2 * 2]
        first_new = len(self.samples)
        self.samples = np.concatenate([self.samples, np.frombuffer(pcm, dtype="<i2")])
        frame = int(self.rate * FRAME_S)
        for begin in range(first_new - first_new % frame, len(self.samples) - frame + 1, frame):
            chunk = self.samples[begin : begin + frame].astype(np.float64)
            if np.sqrt(np.mean(chunk * chunk)) >= SPEECH_RMS:
                if self.piece_start is None:
                    self.piece_start = self.last_interim = max(begin, self.last_cut)
                self.turn_open = True
                self.last_voice = begin + frame
        await self._advance(len(self.samples))

    async def _advance(self, now: int) -> None:
        quiet_s = (now - self.last_voice) / self.rate
        if self.turn_open and quiet_s >= self.endpoint_s:
            await self._flush(from_finalize=False, speech_final=True)
        elif self.piece_start is not None:
            voiced_s = (self.last_voice - self.piece_start) / self.rate
            if quiet_s >= self.server.piece_pause_s and voiced_s >= self.server.final_after_s:
                await self._final_piece(self.last_voice, speech_final=False)
            elif (now - self.piece_start) / self.rate >= self.server.max_piece_s:
                await self._final_piece(now, speech_final=False)
            elif self.interim and (now - self.last_interim) / self.rate >= self.server.interim_every_s:
                self.last_interim = now
                await self._send_results(self.piece_start, now, is_final=False)
        if not self._words_stopped(now):
            return
        if self.piece_start is not None:
            if await self._words_since(self.piece_start, now):
                return  # words the last message did not show yet: the speaker goes on
            assert self.last_word_end is not None
            if self.piece_start / self.rate <= self.last_word_end:
                # Words stopped inside the open piece: it becomes final first.
                await self._final_piece(now, speech_final=False)
        await self._send({"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": self.last_word_end})
        self.last_word_end = None

    async def _words_since(self, piece_start: int, now: int) -> bool:
        """Decode the last `utterance_end_ms` of the piece: did words go on past the last one sent?"""
        assert self.utterance_end_s is not None
        start = max(piece_start, now - int(self.utterance_end_s * self.rate))
        _, _, words = await self._transcribe(start, now)
        if words and self.last_word_end is not None:
            newest = start / self.rate + words[-1][2]
            if newest > self.last_word_end:
                self.last_word_end = newest
                return True
        return False

    async def _transcribe(
        self, start: int, end: int
    ) -> tuple[str, float, list[tuple[str, float, float, float]]]:
        if (end - start) / self.rate < MIN_DECODE_S:
            return "", 0.0, []  # no word fits; pocketsphinx can stall on a few samples
        pcm = self.samples[start:end].astype("<i2")
        pcm16k = soxr.resample(pcm, self.rate, 16000).astype("<i2").tobytes()
        return await asyncio.to_thread(self.server.transcribe, pcm16k)

    def _words_stopped(self, now: int) -> bool:
        if self.utterance_end_s is None or self.last_word_end is None:
            return False
        return now / self.rate - self.last_word_end >= self.utterance_end_s

    async def _final_piece(self, end: int, *, speech_final: bool, from_finalize: bool = False) -> None:
        start = self.piece_start if self.piece_start is not None else self.last_cut
        self.piece_start = None
        self.last_cut = end
        await self._send_results(
            start, end, is_final=True, speech_final=speech_final, from_finalize=from_finalize
        )

    async def _flush(self, *, from_finalize: bool, speech_final: bool = False) -> None:
        if not self.turn_open:
            return
        # With the last piece already final, speech_final comes with an empty transcript.
        end = self.last_voice if self.piece_start is not None else max(self.last_cut, self.last_voice)
        await self._final_piece(end, speech_final=speech_final, from_finalize=from_finalize)
        self.turn_open = False

    async def _send_results(
        self, start: int, end: int, *, is_final: bool, speech_final: bool = False, from_finalize: bool = False
    ) -> None:
        text, confidence, words = await self._transcribe(start, end)
        offset = start / self.rate
        if words:
            self.last_word_end = offset + words[-1][2]
        await self._send(
            {
                "type": "Results",
                "channel_index": [0, 1],
                "duration": round((end - start) / self.rate, 3),
                "start": round(offset, 3),
                "is_final": is_final,
                "speech_final": speech_final,
                "from_finalize": from_finalize,
                "channel": {
                    "alternatives": [
                        {
                            "transcript": text,
                            "confidence": round(confidence, 3),
                            "words": [
                                {
                                    "word": w,
                                    "start": round(offset + s, 3),
                                    "end": round(offset + e, 3),
                                    "confidence": round(c, 3),
                                    "punctuated_word": w,
                                }
                                for w, s, e, c in words
                            ],
                        }
                    ]
                },
                "metadata": {
                    "request_id": self.request_id,
                    "model_info": {"name": "general-nova-3", "version": "fake", "arch": "nova-3"},
                    "model_uuid": MODEL_UUID,
                },
            }
        )

    async def _send(self, message: dict[str, Any]) -> None:
        self.session.sent.append(message)
        await self.connection.send(json.dumps(message))
