"""A fleet of simulated Twilio calls, sent from a separate process.

One pacing loop sends every call's two 20 ms frames per tick (a timer per
call would cost more than the worker being measured). The audio is the
bundled scripts spoken by flite, each call starting at a different offset so
speech and silence are spread over calls as in a real floor.
"""

from __future__ import annotations

import asyncio
import base64
import multiprocessing
import os
import random
import struct
import time
import uuid

from ingest.audio.mulaw import encode_mulaw
from simulator.scripts import bundled_scripts
from simulator.timeline import render_call

FRAME = 160


def call_tracks() -> list[tuple[bytes, bytes]]:
    """(inbound caller, outbound agent) mu-law for each bundled script."""
    result = []
    for script in bundled_scripts():
        audio = render_call(script)
        result.append((encode_mulaw(audio.caller), encode_mulaw(audio.agent)))
    return result


class RawStreamSender:
    """A Media Streams client cheap enough to run hundreds of calls from one core.

    It speaks the real protocol byte for byte (HTTP upgrade, masked text
    frames, close frame) but skips a WebSocket library's per-message work: the
    frames use the all-zero masking key, which RFC 6455 permits, so the JSON
    goes on the wire as it is.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, call_sid: str) -> None:
        self._reader = reader
        self._writer = writer
        self.call_sid = call_sid
        self.stream_sid = "MZ" + call_sid[2:]
        self._sequence = 0
        self._drain = asyncio.ensure_future(self._discard_incoming())

    @classmethod
    async def connect(cls, host: str, port: int, call_sid: str) -> RawStreamSender:
        reader, writer = await asyncio.open_connection(host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET /twilio/media HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        response = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in response.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"upgrade refused: {response[:80]!r}")
        sender = cls(reader, writer, call_sid)
        sender.send('{"event":"connected","protocol":"Call","version":"1.0.0"}')
        sender.send(
            f'{{"event":"start","sequenceNumber":"1","streamSid":"{sender.stream_sid}","start":{{"streamSid":"{sender.stream_sid}",'
            f'"accountSid":"AC00000000000000000000000000000000","callSid":"{call_sid}","tracks":["inbound","outbound"],'
            '"customParameters":{},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}'
        )
        sender._sequence = 1
        return sender

    def send(self, text: str, opcode: int = 0x81) -> None:
        data = text.encode()
        size = len(data)
        if size < 126:
            header = struct.pack("!BB", opcode, 0x80 | size)
        else:
            header = struct.pack("!BBH", opcode, 0x80 | 126, size)
        self._writer.write(header + b"\0\0\0\0" + data)

    def media(self, track: str, payload_b64: str, chunk: int, timestamp_ms: int) -> None:
        self._sequence += 1
        self.send(
            '{"event":"media","sequenceNumber":"%d","streamSid":"%s","media":{"track":"%s",'
            '"chunk":"%d","timestamp":"%d","payload":"%s"}}'
            % (self._sequence, self.stream_sid, track, chunk, timestamp_ms, payload_b64)
        )

    async def stop(self) -> None:
        self._sequence += 1
        self.send(
            '{"event":"stop","sequenceNumber":"%d","streamSid":"%s","stop":{"accountSid":'
            '"AC00000000000000000000000000000000","callSid":"%s"}}'
            % (self._sequence, self.stream_sid, self.call_sid)
        )
        self._writer.write(struct.pack("!BB", 0x88, 0x82) + b"\0\0\0\0" + struct.pack("!H", 1000))
        await self._writer.drain()
        self._writer.close()
        self._drain.cancel()

    async def _discard_incoming(self) -> None:
        """Read the server's frames; answer its pings (uvicorn closes silent peers)."""
        try:
            while True:
                opcode, length = await self._reader.readexactly(2)
                length &= 0x7F
                if length == 126:
                    (length,) = struct.unpack("!H", await self._reader.readexactly(2))
                elif length == 127:
                    (length,) = struct.unpack("!Q", await self._reader.readexactly(8))
                payload = await self._reader.readexactly(length)
                if opcode & 0x0F == 0x9 and length < 126:
                    self._writer.write(struct.pack("!BB", 0x8A, 0x80 | length) + b"\0\0\0\0" + payload)
        except (asyncio.IncompleteReadError, ConnectionError):
            return


def _frames_b64(mulaw: bytes) -> list[str]:
    return [base64.b64encode(mulaw[i : i + FRAME]).decode() for i in range(0, len(mulaw) - FRAME + 1, FRAME)]


async def _run_fleet(url: str, calls: int, seconds: float, ramp_s: float, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    tracks = [(_frames_b64(inbound), _frames_b64(outbound)) for inbound, outbound in call_tracks()]
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    senders: list[tuple[RawStreamSender, list[str], list[str], int]] = []
    for _ in range(calls):
        sender = await RawStreamSender.connect(host, int(port), "CA" + uuid.uuid4().hex)
        inbound, outbound = rng.choice(tracks)
        senders.append((sender, inbound, outbound, rng.randrange(len(inbound))))
        await asyncio.sleep(ramp_s / max(1, calls))
    loop = asyncio.get_running_loop()
    started = loop.time()
    cpu_started = time.process_time()  # the paced sending only, not rendering the audio
    ticks = int(seconds / 0.02)
    late_ticks = 0
    for tick in range(ticks):
        due = started + tick * 0.02
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.02:
            late_ticks += 1
        for sender, inbound, outbound, offset in senders:
            position = (offset + tick) % len(inbound)
            sender.media("inbound", inbound[position], tick + 1, tick * 20)
            sender.media("outbound", outbound[position], tick + 1, tick * 20)
    for sender, *_ in senders:
        await sender.stop()
    return {"sender_late_ticks": late_ticks, "ticks": ticks, "cpu_s": time.process_time() - cpu_started}


def _fleet_process(
    url: str,
    calls: int,
    seconds: float,
    ramp_s: float,
    seed: int,
    out: multiprocessing.Queue[dict[str, float]],
) -> None:
    out.put(asyncio.run(_run_fleet(url, calls, seconds, ramp_s, seed)))


async def run_fleet(
    url: str, calls: int, seconds: float, *, ramp_s: float = 2.0, processes: int = 1
) -> dict[str, float]:
    """Run `calls` calls for `seconds` of audio in `processes` sender processes."""
    ctx = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[dict[str, float]] = ctx.Queue()
    shares = [calls // processes + (1 if i < calls % processes else 0) for i in range(processes)]
    workers = [
        ctx.Process(target=_fleet_process, args=(url, n, seconds, ramp_s, i, out), daemon=True)
        for i, n in enumerate(shares)
        if n
    ]
    for worker in workers:
        worker.start()
    results = [await asyncio.to_thread(out.get) for _ in workers]
    for worker in workers:
        await asyncio.to_thread(worker.join)
    return {
        "sender_late_ticks": sum(r["sender_late_ticks"] for r in results),
        "ticks": sum(r["ticks"] for r in results),
        "sender_cpu_s": sum(r["cpu_s"] for r in results),
    }
