"""Login throttling: per account and per client address, with growing delays.

A few wrong passwords are free (typos); after that each further failure
doubles the wait before the next attempt for that account or that address,
up to a ceiling. While a key must wait, attempts are refused without the
password being checked, so guessing costs time and not only CPU. A success
clears the account's count (not the address's: one right password must not
reset a spray over many accounts). Pure logic with the clock passed in.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

FREE_FAILURES = 5
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 900.0
MAX_TRACKED_KEYS = 100_000
"""Beyond this many keys the oldest are forgotten, so a flood cannot exhaust memory."""
LOGIN_TICKET_S = 30.0
MAX_TICKETS = 10_000


@dataclass(slots=True)
class _Failures:
    count: int = 0
    last_at: float = 0.0


@dataclass
class LoginThrottle:
    free_failures: int = FREE_FAILURES
    first_delay_s: float = FIRST_DELAY_S
    max_delay_s: float = MAX_DELAY_S
    _failures: dict[str, _Failures] = field(default_factory=dict)

    @staticmethod
    def keys(account: str, address: str | None) -> tuple[str, ...]:
        return (f"account:{account.strip().lower()}", f"address:{address or '?'}")

    def retry_after(self, keys: tuple[str, ...], now: float | None = None) -> float:
        """Seconds to wait before these keys may try again (0: go ahead)."""
        now = time.monotonic() if now is None else now
        wait = 0.0
        for key in keys:
            failures = self._failures.get(key)
            if failures is None or failures.count < self.free_failures:
                continue
            delay = min(self.first_delay_s * 2 ** (failures.count - self.free_failures), self.max_delay_s)
            wait = max(wait, failures.last_at + delay - now)
        return max(0.0, wait)

    def failed(self, keys: tuple[str, ...], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for key in keys:
            failures = self._failures.pop(key, None) or _Failures()
            failures.count += 1
            failures.last_at = now
            self._failures[key] = failures  # re-inserted: the dict stays oldest-first
        while len(self._failures) > MAX_TRACKED_KEYS:
            del self._failures[next(iter(self._failures))]

    def succeeded(self, keys: tuple[str, ...]) -> None:
        """The account starts afresh; the address only takes back this attempt's count,
        so a call centre's supervisors logging in from one NAT address are never
        throttled by their own good logins, while an attacker's misses still add up."""
        self._failures.pop(keys[0], None)
        for key in keys[1:]:
            failures = self._failures.get(key)
            if failures is None:
                continue
            failures.count -= 1
            if failures.count <= 0:
                del self._failures[key]


class LoginTickets:
    """One-time tickets that carry a login made in a page's event handler (over the
    websocket, where no cookie can be set) to `/login/complete`, a plain HTTP request
    that renews the session id and signs in."""

    def __init__(self) -> None:
        self._tickets: dict[str, tuple[str, float]] = {}

    def issue(self, user_name: str) -> str:
        now = time.monotonic()
        self._tickets = {t: v for t, v in self._tickets.items() if v[1] > now}
        if len(self._tickets) >= MAX_TICKETS:
            self._tickets.pop(next(iter(self._tickets)))
        ticket = secrets.token_urlsafe(32)
        self._tickets[ticket] = (user_name, now + LOGIN_TICKET_S)
        return ticket

    def redeem(self, ticket: str) -> str | None:
        """The user name the ticket was issued for, once, within its lifetime."""
        name, expires = self._tickets.pop(ticket, ("", 0.0))
        return name if name and expires > time.monotonic() else None


class SecureCookiesOverHttps:
    """ASGI middleware: cookies set on a request that arrived over HTTPS get `Secure`.

    The scheme is HTTPS when TLS ends in uvicorn, or when a proxy that uvicorn
    trusts (its forwarded-allow list, 127.0.0.1 by default) says so with
    X-Forwarded-Proto: so the session cookie is never sent back in clear."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_secure(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, _with_secure(value) if name.lower() == b"set-cookie" else value)
                    for name, value in message.get("headers", [])
                ]
            await send(message)

        await self.app(scope, receive, send_secure)


def _with_secure(cookie: bytes) -> bytes:
    attributes = [part.strip().lower() for part in cookie.split(b";")[1:]]
    return cookie if b"secure" in attributes else cookie + b"; Secure"
