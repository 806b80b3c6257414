"""`WS /listen/{call_id}?token=...`: a live call's audio relayed to a supervisor's browser.

Served by the worker's own HTTP app and, under `callmon run`, by the dashboard's
app too. The token (see `ingest.pipeline.listen_token`) is checked after the
handshake so the browser sees the close code: 1008 for a missing, bad, expired,
already used or foreign token or a role that may not listen; 4404 when the call
is not live. A token opens one listen (see `SpentListenTokens`). In a fleet the
socket may land on a worker that has not got the call: it asks the others over
Redis (`ingest.pipeline.listen_relay`) and relays the owner's frames, in the
same format; 4404 when none has it, 1013 when the relay is at its limit.

Messages to the browser: first one JSON text message
``{"type": "listening", "call_id", "party", "format"}``, then one binary message
per audio frame: a 12-byte little-endian header (format u8: 1 signed 16-bit
mono PCM, 2 G.711 mu-law, one byte a sample; speaker u8: 0 caller, 1 agent,
2 unknown; sample rate u16; worker receive time f64 epoch seconds) followed by
the samples. ``?format=mulaw`` halves the bandwidth (the dashboard's player
asks for it); ``pcm16`` is the default. The browser sends nothing but may close.
Every listen is audited (user, call, party, start, stop); audio is never stored.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import weakref
from collections.abc import Callable

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from ingest.log_limits import RateLimitedLog
from ingest.pipeline.listen import Listener, ListenFrame, ListenTap
from ingest.pipeline.listen_relay import ListenRelay, NoOwner, RelayFull
from ingest.pipeline.listen_token import (
    ListenGrant,
    ListenTokenError,
    SpentListenTokens,
    verify_listen_token,
)
from ingest.storage.listen_audit import ListenAuditStore
from ingest.tasks import spawn

log = logging.getLogger(__name__)
refused = RateLimitedLog(log)

FRAME_HEADER = struct.Struct("<BBHd")
SPEAKER_CODES = {"caller": 0, "agent": 1, "unknown": 2}
POLICY_VIOLATION = 1008
CALL_NOT_LIVE = 4404
TRY_AGAIN_LATER = 1013
_SPENT_BY_TAP: weakref.WeakKeyDictionary[ListenTap, SpentListenTokens] = weakref.WeakKeyDictionary()
"""One ledger per worker (its tap): under `callmon run` the worker's app and the
dashboard's app each mount a router, and a token must not open one listen on each."""


FORMAT_CODES = {"pcm16": 1, "mulaw": 2}
MULAW_BIAS, MULAW_CLIP = 0x84, 32635


def _mulaw_byte(sample: int) -> int:
    """G.711 mu-law of one signed 16-bit sample."""
    sign = 0x80 if sample < 0 else 0
    magnitude = min(-sample if sample < 0 else sample, MULAW_CLIP) + MULAW_BIAS
    exponent = magnitude.bit_length() - 8
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


MULAW_TABLE = bytes(_mulaw_byte(u - 0x10000 if u >= 0x8000 else u) for u in range(0x10000))
"""mu-law by the sample's 16 bits read unsigned: one lookup a sample."""


def encode_mulaw(pcm: bytes) -> bytes:
    """Little-endian 16-bit PCM to mu-law (pure). The samples are read in native
    order: little-endian on every machine callmon runs on (x86-64, arm64)."""
    return bytes(map(MULAW_TABLE.__getitem__, memoryview(pcm).cast("H")))


def encode_frame(frame: ListenFrame, audio_format: str = "pcm16") -> bytes:
    header = FRAME_HEADER.pack(
        FORMAT_CODES[audio_format], SPEAKER_CODES.get(frame.speaker, 2), frame.sample_rate, frame.received_at
    )
    return header + (encode_mulaw(frame.pcm) if audio_format == "mulaw" else frame.pcm)


def build_listen_router(
    tap: ListenTap,
    audit: Callable[[], ListenAuditStore | None],
    secret: Callable[[], str | None],
    is_live: Callable[[str], bool],
    relay: Callable[[], ListenRelay | None] = lambda: None,
) -> APIRouter:
    """`secret` and `audit` are read per connection: under `callmon run` the
    dashboard's secret may be settled after the worker started. `relay` asks the
    fleet for a call that is not live here (None: no fleet, 4404 as before)."""
    router = APIRouter()
    spent = _SPENT_BY_TAP.setdefault(tap, SpentListenTokens())

    @router.websocket("/listen/{call_id}")
    async def listen(
        websocket: WebSocket,
        call_id: str,
        token: str = "",
        audio_format: str = Query("pcm16", alias="format"),
    ) -> None:
        await websocket.accept()
        if audio_format not in FORMAT_CODES:
            await websocket.close(POLICY_VIOLATION, "unknown audio format")
            return
        key, store = secret(), audit()
        if not key or store is None:
            await websocket.close(POLICY_VIOLATION, "listen-in is not enabled on this worker")
            return
        try:
            grant = verify_listen_token(key, token, call_id)
        except ListenTokenError as error:
            refused.warning(str(error), "refused a listen to call %s: %s", call_id, error)
            await websocket.close(POLICY_VIOLATION, "not allowed to listen")
            return
        if not spent.spend(token, grant):
            refused.warning("spent", "refused a listen to call %s: the token was already used", call_id)
            await websocket.close(POLICY_VIOLATION, "this listen link was already used")
            return
        fleet = relay()
        if fleet is not None and not await fleet.spend(token, grant):
            refused.warning(
                "spent", "refused a listen to call %s: the token was used on another worker", call_id
            )
            await websocket.close(POLICY_VIOLATION, "this listen link was already used")
            return
        client = f"{websocket.client.host}:{websocket.client.port}" if websocket.client else None
        if is_live(call_id):
            with tap.listen(call_id, grant.party) as listener:
                await _audited_relay(websocket, listener, grant, audio_format, store, client)
            return
        if fleet is None:
            await websocket.close(CALL_NOT_LIVE, "the call is not live")
            return
        try:
            async with fleet.listen(grant) as listener:
                await _audited_relay(websocket, listener, grant, audio_format, store, client)
        except NoOwner as error:
            log.info("refused a listen to call %s: %s", call_id, error)
            await _close_quietly(websocket, CALL_NOT_LIVE, "the call is not live")
        except RelayFull as error:
            log.warning("refused a listen to call %s: %s", call_id, error)
            await _close_quietly(websocket, TRY_AGAIN_LATER, "too many listens; try again later")

    return router


async def _audited_relay(
    websocket: WebSocket,
    listener: Listener,
    grant: ListenGrant,
    audio_format: str,
    store: ListenAuditStore,
    client: str | None,
) -> None:
    call_id = grant.call_id
    listen_id = await store.started(call_id, grant.user, grant.role, grant.party, client)
    log.info("%s (%s) is listening to call %s (%s)", grant.user, grant.role, call_id, grant.party)
    try:
        await _relay(websocket, listener, grant, audio_format)
    finally:
        await store.stopped(listen_id, listener.delivered, listener.dropped)
        log.info(
            "%s stopped listening to call %s (%d frames sent, %d dropped)",
            grant.user,
            call_id,
            listener.delivered,
            listener.dropped,
        )


async def _close_quietly(websocket: WebSocket, code: int, reason: str) -> None:
    """Close unless the browser already left (it may, while the fleet is asked)."""
    try:
        await websocket.close(code, reason)
    except (WebSocketDisconnect, RuntimeError, OSError) as error:
        log.debug("listen socket already closed: %r", error)


async def _relay(websocket: WebSocket, listener: Listener, grant: ListenGrant, audio_format: str) -> None:
    """Send frames until the call ends or the browser goes away."""
    watcher = spawn(_until_disconnect(websocket, listener), name=f"listen-watch-{grant.call_id}")
    try:
        await websocket.send_json(
            {"type": "listening", "call_id": grant.call_id, "party": grant.party, "format": audio_format}
        )
        while (frame := await listener.next_frame()) is not None:
            await websocket.send_bytes(encode_frame(frame, audio_format))
        if websocket.application_state == WebSocketState.CONNECTED and not watcher.done():
            await websocket.close(1000, "the call ended")
    except (WebSocketDisconnect, RuntimeError, OSError) as error:
        # The browser left while a frame was on its way: the listen simply ends.
        log.debug("listen to call %s ended by the browser: %r", grant.call_id, error)
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)


async def _until_disconnect(websocket: WebSocket, listener: Listener) -> None:
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
    except (WebSocketDisconnect, RuntimeError) as error:
        # Starlette raises RuntimeError for a receive after the socket closed: the same end.
        log.debug("listener socket closed: %r", error)
    finally:
        listener.close()
