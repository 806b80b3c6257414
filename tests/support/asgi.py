"""An ASGI app (FastAPI) served by a real uvicorn on 127.0.0.1, on a port the kernel picks."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Any

import uvicorn

from ingest.tasks import spawn
from tests.support.waiting import HANG_GUARD_S, wait_until


@dataclass
class ServedApp:
    port: int
    server: uvicorn.Server
    task: asyncio.Task[None]

    @property
    def host(self) -> str:
        """host:port, as a Host header or a URL's authority."""
        return f"127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://{self.host}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}"

    async def stop(self) -> None:
        self.server.should_exit = True
        await asyncio.wait_for(self.task, HANG_GUARD_S)


async def serve_asgi(app: Any, **config: Any) -> ServedApp:
    """Start uvicorn on an already bound socket (no port race) and wait until it serves;
    `config`: further `uvicorn.Config` options."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", **config))
    task = spawn(server.serve(sockets=[listener]), name=f"uvicorn-{port}")

    def started() -> bool:
        if task.done():
            raise AssertionError(f"uvicorn on port {port} stopped before it started")
        return bool(server.started)

    await wait_until(started, message=f"uvicorn on port {port} to start")
    return ServedApp(port, server, task)
