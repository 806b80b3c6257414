"""Speaking agent replies into a two-way Twilio Media Stream.

`synthesize()` runs espeak-ng (offline) and brings its 22.05 kHz voice to the
telephone's 8 kHz; `reply_messages()` (pure) cuts mu-law into the 20 ms
`media` messages Twilio plays, ending with a `mark` Twilio echoes back once
the audio has been played. `StreamPlayback` sends them, and a newer reply
first `clear`s whatever is still queued at Twilio.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import shutil
import wave
from collections.abc import Awaitable, Callable
from io import BytesIO
from typing import Any

from ingest.audio.mulaw import MULAW_SILENCE, encode_mulaw
from ingest.audio.resample import resample_pcm16

log = logging.getLogger(__name__)

TELEPHONE_RATE = 8000
FRAME_BYTES = 160
"""20 ms of 8 kHz mu-law."""
SYNTHESIS_TIMEOUT_S = 30.0


class SynthesisFailed(RuntimeError):
    """espeak-ng is missing or failed; the message says which."""


def reply_messages(stream_sid: str, mulaw: bytes, mark_name: str) -> list[dict[str, Any]]:
    """`media` messages of 20 ms each (the last padded with silence), then one `mark`."""
    messages: list[dict[str, Any]] = []
    for offset in range(0, len(mulaw), FRAME_BYTES):
        frame = mulaw[offset : offset + FRAME_BYTES].ljust(FRAME_BYTES, bytes([MULAW_SILENCE]))
        messages.append(
            {
                "event": "media",
                "streamSid": stream_sid,
                "media": {"payload": base64.b64encode(frame).decode("ascii")},
            }
        )
    messages.append({"event": "mark", "streamSid": stream_sid, "mark": {"name": mark_name}})
    return messages


def clear_message(stream_sid: str) -> dict[str, Any]:
    return {"event": "clear", "streamSid": stream_sid}


async def synthesize(text: str, voice: str, espeak_path: str = "espeak-ng") -> bytes:
    """`text` spoken by espeak-ng's `voice` as 8 kHz mu-law."""
    command = shutil.which(espeak_path)
    if command is None:
        raise SynthesisFailed(f"{espeak_path} is not installed (apt-get install espeak-ng)")
    process = await asyncio.create_subprocess_exec(
        command, "-v", voice, "--stdout", text, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        wav_bytes, errors = await asyncio.wait_for(process.communicate(), SYNTHESIS_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise SynthesisFailed(f"espeak-ng took over {SYNTHESIS_TIMEOUT_S:.0f} s") from None
    if process.returncode != 0 or not wav_bytes:
        raise SynthesisFailed(
            f"espeak-ng -v {voice} failed ({process.returncode}): "
            f"{errors.decode(errors='replace').strip()[:200]}"
        )
    pcm, rate = _read_wav(wav_bytes)
    return encode_mulaw(await asyncio.to_thread(resample_pcm16, pcm, rate, TELEPHONE_RATE))


def _read_wav(data: bytes) -> tuple[bytes, int]:
    try:
        with wave.open(BytesIO(data), "rb") as wav:
            if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                raise SynthesisFailed("espeak-ng wrote a WAV that is not 16-bit mono")
            # espeak-ng writes to a pipe, so the header's length field may be wrong: read all.
            return wav.readframes(1 << 30), wav.getframerate()
    except (wave.Error, EOFError) as error:
        raise SynthesisFailed(f"espeak-ng wrote no readable WAV: {error}") from error


class StreamPlayback:
    """Plays replies into one stream; `send` writes one JSON message to the WebSocket."""

    def __init__(self, stream_sid: str, send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        self.stream_sid = stream_sid
        self._send = send
        self._playing: str | None = None

    @property
    def playing(self) -> str | None:
        """The mark name of the reply Twilio has not finished playing, if any."""
        return self._playing

    async def play(self, mulaw: bytes, mark_name: str) -> str | None:
        """Send a reply; returns the mark of the reply it cut short, if one was playing."""
        interrupted = self._playing
        if interrupted is not None:
            await self._send(clear_message(self.stream_sid))
        self._playing = mark_name
        for message in reply_messages(self.stream_sid, mulaw, mark_name):
            await self._send(message)
        return interrupted

    def marked(self, mark_name: str) -> bool:
        """Twilio echoed `mark_name`: that reply was played (True) -- or cleared (stale mark, False)."""
        if mark_name != self._playing:
            return False
        self._playing = None
        return True
