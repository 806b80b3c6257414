"""Plays Twilio's part: opens a Media Streams WebSocket and sends its messages.

Used by tests and demo scripts to drive the ingest worker exactly as Twilio
would: signed upgrade, `connected` + `start`, 20 ms `media` frames with
string sequence numbers, chunks and timestamps, `dtmf`, `stop`.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import Mapping
from typing import Any, Literal

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

from ingest.adapters.stream_tokens import TOKEN_PARAMETER, issue_stream_token
from ingest.adapters.twilio_security import SIGNATURE_HEADER, sign_request

Track = Literal["inbound", "outbound"]
FRAME_MS = 20
FRAME_BYTES = 160  # 20 ms of 8 kHz mu-law
DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
MULAW_FORMAT = {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}


class TwilioStreamDialer:
    """One simulated Media Stream (one call) towards a `/twilio/media` endpoint."""

    def __init__(self) -> None:
        self._ws: ClientConnection | None = None
        self._sequence = itertools.count(1)
        self._chunks: dict[str, itertools.count[int]] = {}
        self.stream_sid = ""
        self.call_sid = ""

    @property
    def websocket(self) -> ClientConnection:
        if self._ws is None:
            raise RuntimeError("not connected: call connect() first")
        return self._ws

    async def connect(
        self,
        url: str,
        *,
        call_sid: str,
        stream_sid: str | None = None,
        custom_parameters: Mapping[str, str] | None = None,
        auth_token: str | None = None,
        signed_url: str | None = None,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        media_format: Mapping[str, Any] = MULAW_FORMAT,
        send_start: bool = True,
        stream_token: bool = True,
    ) -> None:
        """Open the socket (signed like Twilio when `auth_token` is given), send `connected` + `start`.

        `signed_url` is the URL to sign when Twilio would have reached us through
        a proxy under another name (defaults to `url`). With `auth_token` the
        `start` carries the per-call token /twilio/voice would have issued,
        unless `custom_parameters` already holds one (or `stream_token=False`).
        """
        headers = {}
        parameters = dict(custom_parameters or {})
        if auth_token is not None:
            headers[SIGNATURE_HEADER] = sign_request(signed_url or url, {}, auth_token)
            if stream_token:
                parameters.setdefault(TOKEN_PARAMETER, issue_stream_token(auth_token, call_sid))
        self._ws = await connect(url, additional_headers=headers, max_size=None)
        self.call_sid = call_sid
        self.stream_sid = stream_sid or "MZ" + call_sid.removeprefix("CA")
        await self.send_json({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        if send_start:
            await self.send_json(
                {
                    "event": "start",
                    "sequenceNumber": self._next_sequence(),
                    "streamSid": self.stream_sid,
                    "start": {
                        "streamSid": self.stream_sid,
                        "accountSid": account_sid,
                        "callSid": call_sid,
                        "tracks": ["inbound", "outbound"],
                        "customParameters": parameters,
                        "mediaFormat": dict(media_format),
                    },
                }
            )

    async def send_media(self, track: Track, mulaw: bytes, timestamp_ms: int) -> None:
        """One `media` message: `mulaw` bytes at `timestamp_ms` since the stream started."""
        chunk = self._chunks.setdefault(track, itertools.count(1))
        await self.send_json(
            {
                "event": "media",
                "sequenceNumber": self._next_sequence(),
                "streamSid": self.stream_sid,
                "media": {
                    "track": track,
                    "chunk": str(next(chunk)),
                    "timestamp": str(timestamp_ms),
                    "payload": base64.b64encode(mulaw).decode("ascii"),
                },
            }
        )

    async def send_audio(
        self,
        track: Track,
        mulaw: bytes,
        *,
        start_ms: int = 0,
        realtime: bool = False,
        skip_frames: frozenset[int] = frozenset(),
    ) -> int:
        """Send `mulaw` as 20 ms frames from `start_ms`; frames numbered in `skip_frames`
        are dropped as the network would. Returns the timestamp after the last frame."""
        timestamp = start_ms
        for index, offset in enumerate(range(0, len(mulaw), FRAME_BYTES)):
            frame = mulaw[offset : offset + FRAME_BYTES]
            if index not in skip_frames:
                await self.send_media(track, frame, timestamp)
            timestamp += len(frame) * 1000 // 8000
            if realtime:
                await asyncio.sleep(FRAME_MS / 1000)
        return timestamp

    async def send_dtmf(self, digit: str, track: str = "inbound_track") -> None:
        await self.send_json(
            {
                "event": "dtmf",
                "sequenceNumber": self._next_sequence(),
                "streamSid": self.stream_sid,
                "dtmf": {"track": track, "digit": digit},
            }
        )

    async def send_mark(self, name: str) -> None:
        await self.send_json(
            {
                "event": "mark",
                "sequenceNumber": self._next_sequence(),
                "streamSid": self.stream_sid,
                "mark": {"name": name},
            }
        )

    async def stop(self) -> None:
        """Send `stop`, as Twilio does when the call or the stream ends."""
        await self.send_json(
            {
                "event": "stop",
                "sequenceNumber": self._next_sequence(),
                "streamSid": self.stream_sid,
                "stop": {"accountSid": DEFAULT_ACCOUNT_SID, "callSid": self.call_sid},
            }
        )

    async def send_json(self, message: Mapping[str, Any]) -> None:
        await self.websocket.send(orjson.dumps(message).decode())

    async def send_raw(self, data: str | bytes) -> None:
        """Send anything at all (for testing how the endpoint copes with bad input)."""
        await self.websocket.send(data)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def wait_closed(self) -> int | None:
        """Wait until the server closes the socket; its close code."""
        await self.websocket.wait_closed()
        return self.websocket.close_code

    def _next_sequence(self) -> str:
        return str(next(self._sequence))


def build_signed_voice_request(
    url: str, form: Mapping[str, str], auth_token: str | None, *, signed_url: str | None = None
) -> httpx.Request:
    """A `/twilio/voice` webhook POST as Twilio sends it (signed when a token is given)."""
    headers = {}
    if auth_token is not None:
        headers[SIGNATURE_HEADER] = sign_request(signed_url or url, form, auth_token)
    return httpx.Request("POST", url, data=dict(form), headers=headers)
