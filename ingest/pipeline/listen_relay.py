"""Listen-in across a fleet: relay a call's audio from the worker that has it.

A supervisor's listen socket lands on whichever worker the port sharing or the
load balancer picks. When that worker (the requester) has not got the call, it
asks the fleet over the Redis all workers share:

1. it subscribes to a fresh random reply channel, then publishes a
   `ListenRequest` (call, party and the grant it has already verified) on
   ``listen:requests``, which every worker's relay subscribes to;
2. each worker answers on the reply channel: `NOT_HERE` when the call is not
   live on it, `BUSY` when it already serves its maximum of relayed listens,
   `ACCEPTED` when it has the call (the owner). The requester gives up after
   `answer_wait_s`, or as soon as every worker the request reached said
   `NOT_HERE`;
3. the owner taps the call locally (`ListenTap.listen`: the same bounded,
   drop-oldest queue as a direct listen, so a slow relay never slows ingest)
   and publishes each frame (`FRAME`), a `KEEPALIVE` after a quiet second, and
   `ENDED` when the call ends;
4. PUBLISH returns how many subscribers got the message: 0 means the requester
   unsubscribed (the browser left) or died, and the owner lets the tap go. A
   requester that hears nothing for `idle_limit_s` takes the owner for dead.

The owner trusts the request as it trusts every other fleet message: whoever
can publish on the fleet's Redis is a worker. It still only ever answers for a
call live on itself, and only on a reply channel of the relay's own prefix.
Malformed messages are logged (rate limited) and dropped.

A token opens one listen in the whole fleet: `spend` claims it in Redis (as
well as in the accepting worker's own ledger), so a copied link that lands on
another worker is refused too.

Reply messages are binary: one kind byte, then for `FRAME` the speaker code
(u8), sample rate (u16) and receive time (f64), little-endian, and the PCM.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import struct
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import orjson

from ingest.bus.raw_channels import CHANNEL_ERRORS, RawChannels, RawSubscription
from ingest.events import SPEAKERS
from ingest.log_limits import RateLimitedLog
from ingest.pipeline.listen import DEFAULT_QUEUE_FRAMES, PARTIES, Listener, ListenFrame, ListenTap, Party
from ingest.pipeline.listen_token import LISTEN_ROLES, ListenGrant
from ingest.tasks import spawn

log = logging.getLogger(__name__)
dropped = RateLimitedLog(log)

REQUESTS = "listen:requests"
REPLY_PREFIX = "listen:reply:"
SPENT_PREFIX = "listen:spent:"
SPENT_MARGIN_S = 60.0
"""Spent tokens are remembered this long past their expiry: Redis's clock and the
dashboard's that set the expiry need not agree to the second."""

ACCEPTED, BUSY, NOT_HERE = b"A", b"B", b"N"
FRAME, KEEPALIVE, ENDED = b"F", b"K", b"E"
FRAME_FIELDS = struct.Struct("<BHd")
"""Speaker code (index in `SPEAKERS`), sample rate, worker receive time."""
MAX_CALL_ID = 200


class RelayError(Exception):
    """The fleet cannot relay this listen; the message says why (for the log)."""


class NoOwner(RelayError):
    """No worker has the call live (or none answered in time, or Redis is down)."""


class RelayFull(RelayError):
    """This worker, or the owner, already relays its maximum of listens."""


@dataclass(frozen=True, slots=True)
class ListenRequest:
    call_id: str
    party: Party
    user: str
    role: str
    reply_to: str
    requester: str

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "call_id": self.call_id,
                "party": self.party,
                "user": self.user,
                "role": self.role,
                "reply_to": self.reply_to,
                "requester": self.requester,
            }
        )

    @classmethod
    def decode(cls, data: bytes) -> ListenRequest:
        """ValueError for anything that is not a well-formed request (pure)."""
        try:
            fields = orjson.loads(data)
            request = cls(**{name: fields[name] for name in cls.__slots__})
        except (orjson.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(f"malformed listen request: {error}") from None
        if not all(isinstance(getattr(request, name), str) for name in cls.__slots__):
            raise ValueError("malformed listen request: a field is not a string")
        if not request.reply_to.startswith(REPLY_PREFIX):
            raise ValueError(f"listen request replies on a foreign channel {request.reply_to!r}")
        if not 0 < len(request.call_id) <= MAX_CALL_ID:
            raise ValueError("listen request without a usable call id")
        if request.party not in PARTIES or request.role not in LISTEN_ROLES:
            raise ValueError(f"listen request for party {request.party!r} by role {request.role!r}")
        return request


def encode_relay_frame(frame: ListenFrame) -> bytes:
    speaker = SPEAKERS.index(frame.speaker)
    return FRAME + FRAME_FIELDS.pack(speaker, frame.sample_rate, frame.received_at) + frame.pcm


def decode_relay_frame(call_id: str, data: bytes) -> ListenFrame:
    """A `FRAME` message back into a frame; ValueError when it is malformed (pure)."""
    if data[:1] != FRAME or len(data) < 1 + FRAME_FIELDS.size:
        raise ValueError("not a relayed frame")
    speaker, sample_rate, received_at = FRAME_FIELDS.unpack_from(data, 1)
    pcm = data[1 + FRAME_FIELDS.size :]
    if speaker >= len(SPEAKERS) or sample_rate == 0 or len(pcm) % 2:
        raise ValueError(f"bad relayed frame (speaker {speaker}, rate {sample_rate}, {len(pcm)} bytes)")
    return ListenFrame(call_id, SPEAKERS[speaker], pcm, sample_rate, received_at)


class ListenRelay:
    """This worker's side of fleet listen-in: it answers requests for its own
    live calls (`start()`) and asks the fleet for calls it has not got (`listen()`).
    At most `max_relayed` listens each way at a time."""

    def __init__(
        self,
        channels: RawChannels,
        worker_id: str,
        tap: ListenTap,
        is_live: Callable[[str], bool],
        *,
        max_relayed: int,
        answer_wait_s: float = 2.0,
        keepalive_s: float = 1.0,
        idle_limit_s: float = 5.0,
        queue_frames: int = DEFAULT_QUEUE_FRAMES,
    ) -> None:
        self._channels = channels
        self.worker_id = worker_id
        self._tap = tap
        self._is_live = is_live
        self._max_relayed = max_relayed
        self._answer_wait_s = answer_wait_s
        self._keepalive_s = keepalive_s
        self._idle_limit_s = idle_limit_s
        self._queue_frames = queue_frames
        self._serving: set[asyncio.Task[None]] = set()
        self._relaying: set[Listener] = set()
        self._subscribed = asyncio.Event()
        self._answering: asyncio.Task[None] | None = None

    @property
    def serving(self) -> int:
        """Listens this worker relays out for its own calls."""
        return len(self._serving)

    @property
    def relaying(self) -> int:
        """Listens this worker relays in from owners elsewhere."""
        return len(self._relaying)

    # ------------------------------------------------------------ owner side

    async def start(self, wait_s: float = 2.0) -> None:
        """Answer the fleet's requests from now on; waits (up to `wait_s`) for the
        subscription, so a request published after this is heard."""
        self._answering = spawn(self._answer_forever(), name=f"listen relay {self.worker_id}")
        try:
            await asyncio.wait_for(self._subscribed.wait(), wait_s)
        except TimeoutError:
            log.warning("listen relay: redis did not confirm the subscription; answering once it does")

    async def _answer_forever(self) -> None:
        pause = 0.1
        while True:
            try:
                async with self._channels.subscribe(REQUESTS) as requests:
                    self._subscribed.set()
                    pause = 0.1
                    while True:
                        data = await requests.next(60.0)
                        if data is None:
                            continue
                        try:
                            await self._answer(data)
                        except CHANNEL_ERRORS:
                            raise
                        except Exception:
                            # One request this code did not foresee must not stop the answering.
                            log.exception("listen relay: answering a request failed")
            except CHANNEL_ERRORS as error:
                # Once a minute at most: a Redis outage is already reported by the bus.
                dropped.warning("requests", "listen relay: lost the request channel (%s); retrying", error)
            except Exception as error:
                # uvloop reports a write to a closed transport as RuntimeError, no redis
                # error: a relay that died of it would refuse every listen-in for good.
                dropped.warning("requests", "listen relay: the request channel broke (%r); retrying", error)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)

    async def _answer(self, data: bytes) -> None:
        try:
            request = ListenRequest.decode(data)
        except ValueError as error:
            dropped.warning("request", "listen relay: dropped a request: %s", error)
            return
        if not self._is_live(request.call_id):
            await self._send(request.reply_to, NOT_HERE + self.worker_id.encode())
        elif len(self._serving) >= self._max_relayed:
            log.warning(
                "listen relay: refused %s's listen to call %s: already relaying %d listens",
                request.user,
                request.call_id,
                len(self._serving),
            )
            await self._send(request.reply_to, BUSY + self.worker_id.encode())
        else:
            task = spawn(self._serve(request), name=f"listen relay out {request.call_id}")
            self._serving.add(task)
            task.add_done_callback(self._serving.discard)

    async def _serve(self, request: ListenRequest) -> None:
        """Tap the call and publish its frames until the call ends or nobody listens."""
        reply = request.reply_to
        with self._tap.listen(request.call_id, request.party) as listener:
            if not await self._send(reply, ACCEPTED + self.worker_id.encode()):
                return
            log.info(
                "relaying call %s (%s) to %s (%s) listening via worker %s",
                request.call_id,
                request.party,
                request.user,
                request.role,
                request.requester,
            )
            while True:
                try:
                    async with asyncio.timeout(self._keepalive_s):
                        frame = await listener.next_frame()
                except TimeoutError:
                    # A quiet call: prove the owner alive, and learn whether anyone still listens.
                    if not await self._send(reply, KEEPALIVE):
                        break
                    continue
                if frame is None:
                    await self._send(reply, ENDED)
                    break
                if not await self._send(reply, encode_relay_frame(frame)):
                    break
            log.info(
                "stopped relaying call %s to %s (%d frames, %d dropped)",
                request.call_id,
                request.user,
                listener.delivered,
                listener.dropped,
            )

    async def _send(self, channel: str, data: bytes) -> int:
        """Subscribers reached; 0 also when Redis could not be reached."""
        try:
            return await self._channels.publish(channel, data)
        except CHANNEL_ERRORS as error:
            log.warning("listen relay: publishing on %s failed: %s", channel, error)
            return 0

    # -------------------------------------------------------- requester side

    async def spend(self, token: str, grant: ListenGrant) -> bool:
        """Mark `token` used fleet-wide; False when another worker already opened a
        listen with it. While Redis is unreachable only this worker's own ledger
        stands (the relay fails then anyway; a call live here may still be heard)."""
        signature = token.partition(".")[2]
        ttl_ms = int((grant.expires_at - time.time() + SPENT_MARGIN_S) * 1000)
        try:
            return await self._channels.claim(SPENT_PREFIX + signature, ttl_ms)
        except CHANNEL_ERRORS as error:
            log.warning("listen relay: cannot mark a listen token used fleet-wide: %s", error)
            return True

    @asynccontextmanager
    async def listen(self, grant: ListenGrant) -> AsyncIterator[Listener]:
        """A listener fed by the worker that has `grant.call_id` live, for the
        duration of the block; NoOwner or RelayFull before the block when the
        fleet cannot relay it."""
        if len(self._relaying) >= self._max_relayed:
            raise RelayFull(f"this worker already relays {len(self._relaying)} listens")
        reply = REPLY_PREFIX + secrets.token_urlsafe(18)
        request = ListenRequest(grant.call_id, grant.party, grant.user, grant.role, reply, self.worker_id)
        async with AsyncExitStack() as stack:
            try:
                replies = await stack.enter_async_context(self._channels.subscribe(reply))
                asked = await self._channels.publish(REQUESTS, request.encode())
                owner = await self._owner(replies, asked, grant.call_id)
            except CHANNEL_ERRORS as error:
                raise NoOwner(f"redis unreachable: {error}") from error
            log.debug("worker %s has call %s: relaying it", owner, grant.call_id)
            listener = Listener(grant.call_id, grant.party, self._queue_frames)
            self._relaying.add(listener)
            pump = spawn(self._pump(replies, listener), name=f"listen relay in {grant.call_id}")
            try:
                yield listener
            finally:
                listener.close()
                self._relaying.discard(listener)
                pump.cancel()
                await asyncio.gather(pump, return_exceptions=True)

    async def _owner(self, replies: RawSubscription, asked: int, call_id: str) -> str:
        """The id of the worker that accepted; NoOwner or RelayFull otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._answer_wait_s
        not_here = 0
        while (left := deadline - loop.time()) > 0:
            data = await replies.next(left)
            if data is None:
                break
            kind, sender = data[:1], data[1:].decode(errors="replace")
            if kind == ACCEPTED:
                return sender
            if kind == BUSY:
                raise RelayFull(f"worker {sender} already relays its maximum of listens")
            if kind == NOT_HERE:
                not_here += 1
                if not_here >= asked:
                    break
            else:
                dropped.warning("answer", "listen relay: dropped an unexpected answer for call %s", call_id)
        raise NoOwner(f"none of {asked} workers has call {call_id} live ({not_here} said so)")

    async def _pump(self, replies: RawSubscription, listener: Listener) -> None:
        """Owner's messages into the local listener, until the call ends, the
        owner goes quiet, or the block using the listener ends."""
        try:
            while True:
                data = await replies.next(self._idle_limit_s)
                if data is None:
                    log.warning(
                        "listen relay: no word from the owner of call %s for %.0f s; ending the listen",
                        listener.call_id,
                        self._idle_limit_s,
                    )
                    return
                kind = data[:1]
                if kind == FRAME:
                    try:
                        listener.offer(decode_relay_frame(listener.call_id, data))
                    except ValueError as error:
                        dropped.warning("frame", "listen relay: dropped a frame: %s", error)
                elif kind == ENDED:
                    return
                elif kind not in (KEEPALIVE, NOT_HERE, ACCEPTED, BUSY):
                    # Late NOT_HEREs from other workers are expected; anything else is noise.
                    dropped.warning("kind", "listen relay: dropped a message of kind %r", kind)
        except CHANNEL_ERRORS as error:
            log.warning("listen relay: lost the owner of call %s: %s", listener.call_id, error)
        finally:
            listener.close()

    def end_listens(self) -> None:
        """End the listens relayed in (the worker is stopping: their sockets close
        as a direct listen's do when the tap lets it go)."""
        for listener in self._relaying:
            listener.close()

    async def close(self) -> None:
        """Stop answering, end relayed listens both ways, and let Redis go."""
        self.end_listens()
        if self._serving:
            # The tap's listeners are closed first (the worker is stopping): give the
            # owner tasks a moment to tell their requesters the call ended.
            await asyncio.wait(self._serving, timeout=1.0)
        tasks = [*self._serving, *([self._answering] if self._answering is not None else [])]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        await self._channels.close()
