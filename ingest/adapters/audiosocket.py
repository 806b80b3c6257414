"""Asterisk AudioSocket adapter: a TCP server that Asterisk connects to.

The protocol has no authentication: only source addresses in the allow-list
(CALLMON_AUDIOSOCKET_ALLOW, loopback by default) may connect, at most
``max_connections`` at once, and a call id is claimed in the worker's
`CallAdmission` so no other source can feed or end it.

Each connection is one leg of a call (see `audiosocket_legs` for how a UUID
names the call and the speaker). Wire frames become call events:

* UUID (first frame, within ``first_frame_timeout``) -> `CallStarted` for the
  call's first leg;
* slin audio (0x10 = 8 kHz, 0x11..0x18 higher rates) -> `AudioReceived`, with
  ``audio_time`` counted in samples received on that leg, not wall clock;
* DTMF -> `DtmfReceived`;
* ERROR -> `CallErrorReported`, then the leg ends with ``error:<name>``;
* HANGUP or EOF -> the leg ends (``hangup`` / ``eof``).

Every leg ends with `LegEnded`; the call's last leg also emits `CallEnded`.
Other reasons: ``idle-timeout`` (no frame for ``idle_timeout`` s),
``protocol-error: ...`` (bad wire input: only that connection is closed) and
``shutdown`` (`stop()`). A connection that never sends a valid UUID produces
no events; it is closed and the reason logged with the peer address.

Frames are decoded in `data_received` and events submitted synchronously,
so no task runs per connection. One shared ticker sends every connection that
has named its call 20 ms of silence every 20 ms (the keep-alive real deployments
use; nothing before the UUID, so idle sockets cost us nothing), in the kind of
the leg's latest audio, and checks timeouts. A peer that does not read loses
keep-alives rather than growing our buffers. We only ever send audio: a
hangup would end the customer's call, and callmon only listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterable
from typing import cast
from uuid import UUID

from ingest.adapters.audiosocket_access import (
    DEFAULT_ALLOW,
    DEFAULT_MAX_CONNECTIONS,
    Network,
    address_allowed,
    parse_networks,
)
from ingest.adapters.audiosocket_frames import (
    AUDIO_KINDS,
    FRAME_SECONDS,
    MAX_AUDIO_PAYLOAD,
    SAMPLE_RATES,
    Frame,
    FrameDecoder,
    FrameKind,
    ProtocolError,
    error_description,
    error_name,
    silence_frame,
)
from ingest.adapters.audiosocket_legs import leg_of
from ingest.adapters.pacing import KEY_PRESS_S, OFF, AudioPacer, Pace, PacingPolicy, keypad_policy
from ingest.events import (
    AudioReceived,
    CallEnded,
    CallErrorReported,
    CallEvent,
    CallEventSink,
    CallStarted,
    DtmfReceived,
    LegEnded,
    Speaker,
)
from ingest.pipeline.admission import CallAdmission
from ingest.tasks import spawn

log = logging.getLogger(__name__)

KEEPALIVE_BUFFER_LIMIT = 16 * 1024
"""Skip a connection's keep-alive while this much is already queued for it."""
SEND_BUFFER_BYTES = 64 * 1024
"""Kernel send buffer per connection: seconds of keep-alive, where autotuning would
let a peer that stopped reading pin megabytes of stale silence per call."""
DTMF_DIGITS = frozenset("0123456789*#ABCD")
_QUIET_REASONS = frozenset({"hangup", "eof", "shutdown"})


class AudioSocketServer:
    """Accepts AudioSocket connections and submits their call events to `sink`."""

    def __init__(
        self,
        sink: CallEventSink,
        host: str,
        port: int,
        *,
        first_frame_timeout: float = 5.0,
        idle_timeout: float = 30.0,
        max_audio_payload: int = MAX_AUDIO_PAYLOAD,
        admission: CallAdmission | None = None,
        allow: str | Iterable[Network] = DEFAULT_ALLOW,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        pacing: PacingPolicy = OFF,
        reuse_port: bool = False,
    ) -> None:
        """`admission` is the worker's registry of live calls (shared with every adapter);
        `allow` the source networks that may connect; `max_connections` the most open
        at once (further ones are closed at once); `pacing` how far a leg's audio may
        run ahead of real time (`ingest.adapters.pacing`; off unless given)."""
        self.sink = sink
        self.admission = admission if admission is not None else CallAdmission()
        self.allow = parse_networks(allow) if isinstance(allow, str) else tuple(allow)
        self.max_connections = max_connections
        self.pacing = pacing
        self.audio_dropped_s = 0.0
        """Audio seconds dropped because legs sent faster than real time."""
        self.connections_flooding = 0
        """Connections closed because they kept sending faster than real time."""
        self.connections_refused = 0
        """Connections closed on accept: source not allowed, or over the limit."""
        self.host = host
        self.first_frame_timeout = first_frame_timeout
        self.idle_timeout = idle_timeout
        self.max_audio_payload = max_audio_payload
        self.keepalives_dropped = 0
        """Keep-alives skipped because a peer was not reading (for monitoring)."""
        self._requested_port = port
        self._reuse_port = reuse_port  # SO_REUSEPORT: several worker processes share the port
        self._server: asyncio.Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._connections: set[_Connection] = set()
        self._calls: dict[str, dict[Speaker, _Connection]] = {}

    @property
    def port(self) -> int:
        """The listening port (the real one when 0 was asked for)."""
        if self._server is None or not self._server.sockets:
            return self._requested_port
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def active_calls(self) -> list[str]:
        return list(self._calls)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Connection(self), self.host, self._requested_port, reuse_port=self._reuse_port or None
        )
        self._ticker = spawn(self._tick_forever(), name="audiosocket-keepalive")
        allowed = ", ".join(str(n) for n in self.allow) or "nowhere"
        loopback_only = all(network.is_loopback for network in self.allow)
        # Listening on every interface while accepting only loopback is the default: say
        # loudly how to let the Asterisk servers in, or the first real call is just refused.
        log.log(
            logging.WARNING
            if loopback_only and self.host not in ("127.0.0.1", "::1", "localhost")
            else logging.INFO,
            "AudioSocket listening on %s:%d, accepting connections from %s only (at most %d); to allow "
            "your Asterisk servers set CALLMON_AUDIOSOCKET_ALLOW=127.0.0.0/8,::1,<their addresses or networks>",
            self.host,
            self.port,
            allowed,
            self.max_connections,
        )

    async def stop(self) -> None:
        """Stop listening and end every open call with reason ``shutdown``."""
        if self._server is None:
            return
        self._server.close()
        for connection in list(self._connections):
            connection.close("shutdown")
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        await self._server.wait_closed()
        self._server = None
        self._ticker = None

    # -- called by connections ------------------------------------------------

    def emit(self, event: CallEvent) -> None:
        try:
            self.sink.submit(event)
        except Exception:  # a sink bug must not take the connection or the server down
            log.exception("call event sink failed on %s for call %s", event.type, event.call_id)

    def join_call(self, connection: _Connection, call_id: str, speaker: Speaker, uuid: UUID) -> str | None:
        """Register a leg; None when it joined, else why it may not."""
        legs = self._calls.get(call_id)
        if legs is not None:
            if speaker in legs:
                return f"the {speaker} leg of call {call_id} is already connected"
            if speaker == "unknown" or "unknown" in legs:
                # A mixed stream has no legs to join, and a split call no mixed stream.
                return f"call {call_id} is live with other legs; a {speaker} leg cannot join it"
            legs[speaker] = connection
            return None
        refused = self.admission.claim(call_id, self)
        if refused is not None:
            return f"call {call_id} refused: {refused}"
        self._calls[call_id] = {speaker: connection}
        metadata = {
            "peer": connection.peer,
            "uuid": str(uuid),
            "legs": "mixed" if speaker == "unknown" else "split",
        }
        self.emit(CallStarted(call_id, source="audiosocket", metadata=metadata))
        return None

    def leave_call(self, call_id: str, speaker: Speaker, reason: str) -> None:
        self.emit(LegEnded(call_id, speaker, reason))
        legs = self._calls.get(call_id, {})
        legs.pop(speaker, None)
        if not legs:
            self._calls.pop(call_id, None)
            self.emit(CallEnded(call_id, reason))
            self.admission.release(call_id, self)

    def admit_connection(self, connection: _Connection, host: str) -> str | None:
        """None when a new connection from `host` may stay, else why not."""
        if not address_allowed(host, self.allow):
            reason = f"source {host} is not in CALLMON_AUDIOSOCKET_ALLOW"
        elif len(self._connections) >= self.max_connections:
            reason = f"{len(self._connections)} connections open (CALLMON_AUDIOSOCKET_MAX_CONNECTIONS)"
        else:
            return None
        self.connections_refused += 1
        # Log the first refusals and then every 100th: a flood must not flood the log too.
        if self.connections_refused <= 10 or self.connections_refused % 100 == 0:
            log.warning(
                "AudioSocket %s: connection refused: %s (%d refused so far)",
                connection.peer,
                reason,
                self.connections_refused,
            )
        return reason

    def opened(self, connection: _Connection) -> None:
        self._connections.add(connection)

    def lost(self, connection: _Connection) -> None:
        self._connections.discard(connection)

    # -- the shared ticker ---------------------------------------------------

    async def _tick_forever(self) -> None:
        loop = asyncio.get_running_loop()
        next_tick = loop.time()
        while True:
            next_tick += FRAME_SECONDS
            now = loop.time()
            # Timers fire a little late; keep the 20 ms grid, but after a stall of more
            # than a tick start a new grid rather than burst the missed keep-alives.
            if now - next_tick > FRAME_SECONDS:
                next_tick = now
            await asyncio.sleep(max(0.0, next_tick - now))
            now = loop.time()
            for connection in list(self._connections):
                try:
                    connection.tick(now)
                except Exception:  # one broken connection must not stop every keep-alive
                    log.exception("AudioSocket %s: keep-alive failed", connection.peer)
                    connection.close("protocol-error: keep-alive failed")


class _Connection(asyncio.Protocol):
    """One AudioSocket connection: one leg of one call."""

    def __init__(self, server: AudioSocketServer) -> None:
        self.server = server
        self.peer = "?"
        self.call_id: str | None = None
        self.speaker: Speaker = "unknown"
        self.ended = False
        self._transport: asyncio.Transport | None = None
        self._decoder = FrameDecoder(server.max_audio_payload)
        self._opened_at = 0.0
        self._last_frame_at = 0.0
        self._keepalive = silence_frame(FrameKind.SLIN_8K)
        self._kind = FrameKind.SLIN_8K
        self._seconds_before_kind = 0.0  # audio time accumulated at earlier rates
        self._samples = 0  # samples received at the current kind's rate
        self._pacer: AudioPacer | None = None
        self._keypad: AudioPacer | None = None
        self._bad_digits = 0

    # -- asyncio.Protocol ----------------------------------------------------

    def connection_made(self, base: asyncio.BaseTransport) -> None:
        # A stream server's transport; uvloop's does not subclass asyncio.Transport.
        transport = self._transport = cast("asyncio.Transport", base)
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        self._opened_at = self._last_frame_at = asyncio.get_running_loop().time()
        host = peer[0] if isinstance(peer, tuple) else ""
        if self.server.admit_connection(self, host) is not None:
            self.ended = True
            transport.abort()
            return
        self.server.opened(self)

    def data_received(self, data: bytes) -> None:
        if self.ended:
            return
        self._decoder.feed(data)
        try:
            for frame in self._decoder.frames():
                self._last_frame_at = asyncio.get_running_loop().time()
                self._on_frame(frame)
                if self.ended:
                    return
        except ProtocolError as error:
            self.close(f"protocol-error: {error}")

    def eof_received(self) -> bool:
        problem = self._decoder.incomplete_frame()
        self.close("eof" if problem is None else f"protocol-error: {problem}")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ended:
            if exc is not None:
                log.info("AudioSocket %s: connection lost: %s", self.peer, exc)
            self.eof_received()
        self.server.lost(self)

    # -- frames --------------------------------------------------------------

    def _on_frame(self, frame: Frame) -> None:
        if self.call_id is None:
            self._before_uuid(frame)
        elif frame.kind in AUDIO_KINDS:
            self._on_audio(frame)
        elif frame.kind is FrameKind.DTMF:
            self._on_dtmf(frame.payload)
        elif frame.kind is FrameKind.ERROR:
            code = frame.payload[0] if frame.payload else None
            self.server.emit(CallErrorReported(self.call_id, code, error_description(code)))
            self.close(f"error:{error_name(code)}")
        elif frame.kind is FrameKind.HANGUP:
            self.close("hangup")
        else:
            self.close("protocol-error: a second UUID frame")

    def _before_uuid(self, frame: Frame) -> None:
        if frame.kind is FrameKind.HANGUP:
            self.close("hangup before the UUID")
        elif frame.kind is not FrameKind.UUID:
            self.close(f"protocol-error: {frame.kind.name} frame before the UUID")
        else:
            uuid = UUID(bytes=frame.payload)
            call_id, speaker = leg_of(uuid)
            refused = self.server.join_call(self, call_id, speaker, uuid)
            if refused is not None:
                self.close(f"refused: {refused}")
                return
            self.call_id, self.speaker = call_id, speaker
            now = asyncio.get_running_loop().time()
            self._pacer = AudioPacer(self.server.pacing, now)
            self._keypad = AudioPacer(keypad_policy(self.server.pacing), now)
            log.info("AudioSocket %s: call %s, %s leg (UUID %s)", self.peer, call_id, speaker, uuid)

    def _on_audio(self, frame: Frame) -> None:
        assert self.call_id is not None
        if not frame.payload:
            return  # zero-length audio: legal, carries nothing
        if not self._paced(len(frame.payload) / 2 / SAMPLE_RATES[frame.kind]):
            return
        if frame.kind is not self._kind:
            # Rate changed: keep the audio time so far, count samples at the new rate.
            self._seconds_before_kind = self._audio_time()
            self._samples = 0
            self._kind = frame.kind
            self._keepalive = silence_frame(frame.kind)
        rate = SAMPLE_RATES[frame.kind]
        self.server.emit(AudioReceived(self.call_id, self.speaker, frame.payload, rate, self._audio_time()))
        self._samples += len(frame.payload) // 2

    def _paced(self, seconds: float) -> bool:
        """True when `seconds` of audio may pass now; too fast, it is dropped (and a
        sender that keeps flooding is closed). Dropped audio never happened: the leg's
        audio time does not advance for it."""
        assert self._pacer is not None
        pace = self._pacer.admit(seconds, asyncio.get_running_loop().time())
        if pace is Pace.ADMIT:
            return True
        self.server.audio_dropped_s += seconds
        self.server.admission.count_dropped("audiosocket", seconds)
        if pace is Pace.CLOSE:
            self.server.connections_flooding += 1
            assert self.call_id is not None
            self.server.admission.count_flood("audiosocket", self.call_id)
            self.close(
                f"flood: audio faster than real time, {self._pacer.dropped_s:.1f} s dropped "
                f"(burst {self.server.pacing.burst_s:g} s, CALLMON_AUDIO_BURST_S)"
            )
        return False

    def _on_dtmf(self, payload: bytes) -> None:
        assert self.call_id is not None and self._keypad is not None
        pace = self._keypad.admit(KEY_PRESS_S, asyncio.get_running_loop().time())
        if pace is Pace.CLOSE:
            self.server.connections_flooding += 1
            self.server.admission.count_flood("audiosocket", self.call_id)
            self.close("flood: key presses faster than a keypad (more than 10 a second)")
            return
        if pace is Pace.DROP:
            return
        digit = payload.decode("ascii", errors="replace")
        if digit not in DTMF_DIGITS:
            self._bad_digits += 1
            # The first few, then every 100th: a stream of them must not flood the log.
            if self._bad_digits <= 3 or self._bad_digits % 100 == 0:
                log.warning(
                    "AudioSocket %s: call %s: dropped DTMF %r (%d invalid so far)",
                    self.peer,
                    self.call_id,
                    payload[:8],
                    self._bad_digits,
                )
            return
        self.server.emit(DtmfReceived(self.call_id, self.speaker, digit, self._audio_time()))

    def _audio_time(self) -> float:
        return self._seconds_before_kind + self._samples / SAMPLE_RATES[self._kind]

    # -- keep-alive, timeouts, closing ----------------------------------------

    def tick(self, now: float) -> None:
        """Called every 20 ms by the server's ticker."""
        if self.ended or self._transport is None or self._transport.is_closing():
            return
        if self.call_id is None and now - self._opened_at > self.server.first_frame_timeout:
            self.close(f"no UUID frame within {self.server.first_frame_timeout:g} s")
        elif self.call_id is not None and now - self._last_frame_at > self.server.idle_timeout:
            self.close("idle-timeout")
        elif self.call_id is None:
            pass  # keep-alives only for a call: a connection that never names one gets nothing
        elif self._transport.get_write_buffer_size() >= KEEPALIVE_BUFFER_LIMIT:
            self.server.keepalives_dropped += 1
        else:
            self._transport.write(self._keepalive)

    def close(self, reason: str) -> None:
        """End this leg once: log why, emit its events, close the socket."""
        if self.ended:
            return
        self.ended = True
        level = logging.INFO if reason in _QUIET_REASONS else logging.WARNING
        log.log(level, "AudioSocket %s: closing (call %s): %s", self.peer, self.call_id, reason)
        if self.call_id is not None:
            self.server.leave_call(self.call_id, self.speaker, reason)
        if self._transport is not None:
            if self._transport.get_write_buffer_size():
                self._transport.abort()  # a peer that stopped reading would hold close() forever
            else:
                self._transport.close()
