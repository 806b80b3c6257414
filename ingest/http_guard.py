"""Limits on the HTTP ports (the worker's and the dashboard's) against clients that hold connections.

uvicorn has no deadline for a request head: a client that sends
"POST /twilio/voice HTTP/1.1\\r\\nHost: x\\r\\n" and then one byte every ten
seconds holds a connection, and an open file, for ever. An adversarial review
held 1,100 of them until a worker under the usual 1,024-file limit refused
AudioSocket calls and stopped answering /login and /healthz, with nothing
logged. `guarded_http_protocol` is uvicorn's own HTTP protocol with two limits:

- a connection that has not completed its first request head within
  `HEAD_TIMEOUT_S` is closed (uvicorn's keep-alive timeout covers the time
  between requests, not the time before the first one);
- a connection beyond `cap` (`connection_cap()`: below the process's open-file
  limit, so files stay for the database, the AudioSocket port and Redis) is
  closed at once. WebSocket connections count too: uvicorn keeps them in the
  same set.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from ingest.log_limits import RateLimitedLog

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _UvicornHttp
except ImportError:  # uvicorn without httptools parses with h11
    _UvicornHttp = H11Protocol  # type: ignore[assignment,misc]

log = logging.getLogger(__name__)
_closures_log = RateLimitedLog(log)

HEAD_TIMEOUT_S = 10.0
"""Time from connecting to the end of the first request's head (a browser or
Twilio sends it at once)."""
FILES_KEPT_BACK = 256
"""Open files a capped process keeps for everything but HTTP connections."""
MOST_CONNECTIONS = 4096


def connection_cap(files_kept_back: int = FILES_KEPT_BACK, most: int = MOST_CONNECTIONS) -> int:
    """HTTP connections a process may hold: its open-file limit less `files_kept_back`."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return most
    return max(32, min(most, soft - files_kept_back))


def guarded_http_protocol(
    cap: int, head_timeout_s: float = HEAD_TIMEOUT_S, base: type[asyncio.Protocol] = _UvicornHttp
) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol class (`base`: the one uvicorn would pick) with the head
    deadline and the connection cap (pass it as `uvicorn.Config(http=...)`)."""

    class GuardedHttp(base):  # type: ignore[valid-type,misc]
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._head_timer: asyncio.TimerHandle | None = None
            if len(self.connections) > cap:
                _closures_log.warning(
                    "over the cap",
                    "HTTP connection from %s refused: %d open (the cap below the open-file limit)",
                    self.client,
                    len(self.connections) - 1,
                )
                transport.close()
                return
            self._head_timer = self.loop.call_later(head_timeout_s, self._head_overdue)

        def _head_overdue(self) -> None:
            self._head_timer = None
            if self.cycle is None and not self.transport.is_closing():
                # Once a minute at most, with a count: a slow-head flood must not flood the log.
                _closures_log.warning(
                    "no head",
                    "HTTP connection from %s closed: no request head within %g s",
                    self.client,
                    head_timeout_s,
                )
                self.transport.close()

        def _head_arrived(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def on_headers_complete(self) -> None:
            self._head_arrived()
            super().on_headers_complete()

        def handle_events(self) -> None:  # h11: the head is parsed in here
            super().handle_events()
            if self.cycle is not None:
                self._head_arrived()

        def handle_websocket_upgrade(self, *args: Any) -> None:
            self._head_arrived()
            super().handle_websocket_upgrade(*args)

        def connection_lost(self, exc: Exception | None) -> None:
            self._head_arrived()
            super().connection_lost(exc)

    return GuardedHttp
