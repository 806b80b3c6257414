"""`WS /listen/{call_id}?token=...`: a live call's audio relayed to a supervisor's browser.

Served by the worker's own HTTP app and, under `callmon run`, by the dashboard's
app too. The token (see `ingest.pipeline.listen_token`) is checked after the
handshake so the browser sees the close code: 1008 for a missing, bad, expired,
already used or foreign token or a role that may not listen; 4404 when the call
is not live. A token opens one listen (see `SpentListenTokens`).

Messages to the browser: first one JSON text message
``{"type": "listening", "call_id", "party"}``, then one binary message per audio
frame: a 12-byte little-endian header (version u8 = 1, speaker u8: 0 caller,
1 agent, 2 unknown; sample rate u16; worker receive time f64 epoch seconds)
followed by signed 16-bit mono PCM. The browser sends nothing but may close.
Every listen is audited (user, call, party, start, stop); audio is never stored.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import weakref
from collections.abc import Callable

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from ingest.log_limits import RateLimitedLog
from ingest.pipeline.listen import Listener, ListenFrame, ListenTap
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
_SPENT_BY_TAP: weakref.WeakKeyDictionary[ListenTap, SpentListenTokens] = weakref.WeakKeyDictionary()
"""One ledger per worker (its tap): under `callmon run` the worker's app and the
dashboard's app each mount a router, and a token must not open one listen on each."""


def encode_frame(frame: ListenFrame) -> bytes:
    header = FRAME_HEADER.pack(1, SPEAKER_CODES.get(frame.speaker, 2), frame.sample_rate, frame.received_at)
    return header + frame.pcm


def build_listen_router(
    tap: ListenTap,
    audit: Callable[[], ListenAuditStore | None],
    secret: Callable[[], str | None],
    is_live: Callable[[str], bool],
) -> APIRouter:
    """`secret` and `audit` are read per connection: under `callmon run` the
    dashboard's secret may be settled after the worker started."""
    router = APIRouter()
    spent = _SPENT_BY_TAP.setdefault(tap, SpentListenTokens())

    @router.websocket("/listen/{call_id}")
    async def listen(websocket: WebSocket, call_id: str, token: str = "") -> None:
        await websocket.accept()
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
        if not is_live(call_id):
            await websocket.close(CALL_NOT_LIVE, "the call is not live")
            return
        client = f"{websocket.client.host}:{websocket.client.port}" if websocket.client else None
        with tap.listen(call_id, grant.party) as listener:
            listen_id = await store.started(call_id, grant.user, grant.role, grant.party, client)
            log.info("%s (%s) is listening to call %s (%s)", grant.user, grant.role, call_id, grant.party)
            try:
                await _relay(websocket, listener, grant)
            finally:
                await store.stopped(listen_id, listener.delivered, listener.dropped)
                log.info(
                    "%s stopped listening to call %s (%d frames sent, %d dropped)",
                    grant.user,
                    call_id,
                    listener.delivered,
                    listener.dropped,
                )

    return router


async def _relay(websocket: WebSocket, listener: Listener, grant: ListenGrant) -> None:
    """Send frames until the call ends or the browser goes away."""
    watcher = spawn(_until_disconnect(websocket, listener), name=f"listen-watch-{grant.call_id}")
    try:
        await websocket.send_json({"type": "listening", "call_id": grant.call_id, "party": grant.party})
        while (frame := await listener.next_frame()) is not None:
            await websocket.send_bytes(encode_frame(frame))
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
