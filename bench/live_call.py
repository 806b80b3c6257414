"""A live AudioSocket call, paced to real time: for listen-in tests and bench/listen.py."""

from __future__ import annotations

import asyncio
import math
import struct
import uuid
from collections.abc import Callable

from ingest.adapters.audiosocket_frames import FrameKind, encode_frame


def tone_frame(n: int) -> bytes:
    """20 ms of a 440 Hz tone: audible, so the browser has something to play."""
    return b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * (n * 160 + i) / 8000))) for i in range(160)
    )


def numbered_frame(n: int) -> bytes:
    """20 ms of 8 kHz audio whose every sample is `n`: each frame recognisable."""
    return struct.pack("<h", n % 30000) * 160


class LiveCall:
    """An AudioSocket call that sends one numbered frame every 20 ms until stopped."""

    def __init__(self, port: int, frame: Callable[[int], bytes] = numbered_frame) -> None:
        self.port = port
        self._frame = frame
        self.call_id = str(uuid.uuid4())
        self.sent = 0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LiveCall:
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        self._writer.write(encode_frame(FrameKind.UUID, uuid.UUID(self.call_id).bytes))
        self._task = asyncio.create_task(self._speak())
        return self

    async def _speak(self) -> None:
        while True:
            self._writer.write(encode_frame(FrameKind.SLIN_8K, self._frame(self.sent)))
            self.sent += 1
            await self._writer.drain()
            await asyncio.sleep(0.02)

    async def hang_up(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._writer.write(encode_frame(FrameKind.HANGUP, b""))
        await self._writer.drain()
        self._writer.close()

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            await self.hang_up()
