"""The HTTP ports against clients that hold connections: a request head must come
within the deadline, and connections beyond the cap are closed at once, while real
requests and WebSockets are untouched (real uvicorn, raw sockets)."""

from __future__ import annotations

import asyncio
import resource

import httpx
import pytest
from fastapi import FastAPI, WebSocket
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from websockets.asyncio.client import connect

from ingest.http_guard import connection_cap, guarded_http_protocol
from tests.support.asgi import serve_asgi


def app() -> FastAPI:
    served = FastAPI()

    @served.get("/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    @served.websocket("/echo")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        while True:
            await websocket.send_text(await websocket.receive_text())

    return served


async def closed_by_server(reader: asyncio.StreamReader, within_s: float) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1024), within_s) == b""
    except TimeoutError:
        return False


# uvicorn parses with httptools when it is installed (it is here), with h11 otherwise.
PARSERS = pytest.mark.parametrize("base", [HttpToolsProtocol, H11Protocol], ids=["httptools", "h11"])


@PARSERS
async def test_a_slow_head_is_closed_and_real_requests_and_websockets_stay(base: type) -> None:
    served = await serve_asgi(app(), http=guarded_http_protocol(cap=100, head_timeout_s=0.5, base=base))
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        writer.write(b"POST /ping HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        await writer.drain()
        async with connect(f"{served.ws_url}/echo") as websocket:
            assert await closed_by_server(reader, 5.0)
            await asyncio.sleep(0.7)  # past the head deadline: an upgraded socket is left alone
            await websocket.send("still here")
            assert await websocket.recv() == "still here"
        writer.close()
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{served.http_url}/ping")).json() == {"pong": "yes"}
    finally:
        await served.stop()


@PARSERS
async def test_connections_beyond_the_cap_are_closed_at_once(base: type) -> None:
    served = await serve_asgi(app(), http=guarded_http_protocol(cap=3, head_timeout_s=30, base=base))
    try:
        held = [await asyncio.open_connection("127.0.0.1", served.port) for _ in range(3)]
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        assert await closed_by_server(reader, 2.0)
        writer.close()
        for _reader, held_writer in held:
            held_writer.close()
        await asyncio.sleep(0.2)
        async with httpx.AsyncClient() as client:  # room again once they left
            assert (await client.get(f"{served.http_url}/ping")).status_code == 200
    finally:
        await served.stop()


def test_the_cap_stays_below_the_open_file_limit() -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    cap = connection_cap()
    assert 32 <= cap <= 4096
    if soft != resource.RLIM_INFINITY:
        assert cap <= max(32, soft - 256)
