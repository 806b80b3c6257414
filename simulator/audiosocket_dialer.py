"""The Asterisk side of AudioSocket, for the simulator and tests.

`AudioSocketDialer` connects to callmon's AudioSocket server the way Asterisk
does: it sends the UUID first, then audio in 20 ms frames, DTMF and hangup.
A background reader consumes the server's keep-alive frames so neither side's
buffers fill, and records what kinds it saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from uuid import UUID

from ingest.adapters.audiosocket_frames import (
    FRAME_SECONDS,
    FrameDecoder,
    FrameKind,
    ProtocolError,
    encode_frame,
    frame_bytes,
)
from ingest.tasks import spawn

log = logging.getLogger(__name__)
DTMF_DIGITS = "0123456789*#ABCD"


class AudioSocketDialer:
    """One AudioSocket connection, as Asterisk would open it."""

    def __init__(self) -> None:
        self.received: Counter[FrameKind] = Counter()
        """Frames the server sent, by kind (keep-alives are 0x10..0x18)."""
        self.last_received: tuple[FrameKind, bytes] | None = None
        self.closed_by_server = asyncio.Event()
        """Set when the server closes the connection (EOF or reset)."""
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._read_task: asyncio.Task[None] | None = None
        self._received_changed = asyncio.Event()

    async def connect(self, host: str, port: int, uuid: UUID | str | None) -> None:
        """Open the connection and send the UUID frame (None sends no UUID)."""
        self._reader, self._writer = await asyncio.open_connection(host, port)
        self._read_task = spawn(self._read_forever(), name=f"audiosocket-dialer-{uuid}")
        if uuid is not None:
            await self.send_frame(FrameKind.UUID, UUID(str(uuid)).bytes)

    @property
    def local_address(self) -> str:
        """``host:port`` of our end, as the server logs it as the peer."""
        if self._writer is None:
            raise RuntimeError("connect() first")
        host, port = self._writer.get_extra_info("sockname")[:2]
        return f"{host}:{port}"

    async def send_audio(self, pcm: bytes, kind: int = FrameKind.SLIN_8K, *, realtime: bool = False) -> None:
        """Send s16le PCM as 20 ms frames of `kind`; `realtime` paces them at 20 ms."""
        step = frame_bytes(FrameKind(kind))
        loop = asyncio.get_running_loop()
        next_send = loop.time()
        for start in range(0, len(pcm), step):
            if realtime:
                await asyncio.sleep(max(0.0, next_send - loop.time()))
                next_send += FRAME_SECONDS
            await self.send_frame(kind, pcm[start : start + step])

    async def send_dtmf(self, digit: str) -> None:
        if len(digit) != 1 or digit not in DTMF_DIGITS:
            raise ValueError(f"{digit!r} is not a DTMF digit")
        await self.send_frame(FrameKind.DTMF, digit.encode("ascii"))

    async def send_error(self, code: int | None = None) -> None:
        await self.send_frame(FrameKind.ERROR, b"" if code is None else bytes([code]))

    async def hangup(self) -> None:
        await self.send_frame(FrameKind.HANGUP)

    async def send_frame(self, kind: int, payload: bytes = b"") -> None:
        await self.send_raw(encode_frame(kind, payload))

    async def send_raw(self, data: bytes) -> None:
        """Write bytes as they are (for simulating broken peers)."""
        if self._writer is None:
            raise RuntimeError("connect() first")
        self._writer.write(data)
        await self._writer.drain()

    async def end_stream(self) -> None:
        """Half-close: the server sees EOF, as when Asterisk just drops the socket."""
        if self._writer is not None and self._writer.can_write_eof():
            self._writer.write_eof()

    async def wait_received(self, kind: int, count: int = 1) -> None:
        """Wait until the server has sent `count` frames of `kind`."""
        while self.received[FrameKind(kind)] < count:
            if self.closed_by_server.is_set():
                raise ConnectionError(f"closed after {self.received[FrameKind(kind)]} frames")
            self._received_changed.clear()
            await self._received_changed.wait()

    async def close(self, linger_s: float = 2.0) -> None:
        """Close as a well-behaved peer does: half-close, let the server read what was
        sent and close its side (up to `linger_s`), then close. Closing at once with
        the server's frames unread makes the kernel reset the connection, and a reset
        throws away what the server had not yet read (a CI run on a loaded machine
        once saw a call's last frames and its hangup cut off mid-frame)."""
        if self._writer is not None:
            with contextlib.suppress(OSError, TimeoutError):
                if (
                    self._read_task is not None
                    and not self.closed_by_server.is_set()
                    and not self._writer.is_closing()
                    and self._writer.can_write_eof()
                ):
                    self._writer.write_eof()
                    await asyncio.wait_for(self.closed_by_server.wait(), linger_s)
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        if self._read_task is not None:
            self._read_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._read_task

    async def _read_forever(self) -> None:
        assert self._reader is not None
        decoder = FrameDecoder()
        try:
            while data := await self._reader.read(65536):
                decoder.feed(data)
                for frame in decoder.frames():
                    self.received[frame.kind] += 1
                    self.last_received = (frame.kind, frame.payload)
                    self._received_changed.set()
        except ConnectionError as error:
            log.info("AudioSocket dialer: connection ended: %s", error)
        except ProtocolError as error:
            log.warning("AudioSocket dialer: server sent a bad frame: %s", error)
        finally:
            self.closed_by_server.set()
            self._received_changed.set()
