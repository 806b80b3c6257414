"""Short-lived listen-in tokens: the dashboard signs, the worker verifies (pure).

A token is ``base64url(json claims) "." base64url(HMAC-SHA256(secret, claims))``
with the claims call id, user, role, party, expiry and a random nonce. A token
opens one listen: the worker keeps the tokens spent until they expire
(`SpentListenTokens`), so a copied link or a replayed URL is refused. The dashboard issues one
to a logged-in supervisor for one call; the worker's WebSocket checks it on
connect. Both sides share the dashboard secret (CALLMON_DASHBOARD_SECRET).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from ingest.pipeline.listen import PARTIES, Party

LISTEN_ROLES = frozenset({"supervisor", "admin"})
DEFAULT_TTL_S = 60.0
"""Long enough to click and connect; a token is checked only when connecting."""


class ListenTokenError(ValueError):
    """The token is not valid for this call now; the message says why (for the log)."""


@dataclass(frozen=True, slots=True)
class ListenGrant:
    call_id: str
    user: str
    role: str
    party: Party
    expires_at: float


def issue_listen_token(
    secret: str,
    call_id: str,
    user: str,
    role: str,
    party: Party = "both",
    *,
    ttl_s: float = DEFAULT_TTL_S,
    now: float | None = None,
) -> str:
    if role not in LISTEN_ROLES:
        raise ListenTokenError(f"role {role!r} may not listen to calls")
    if party not in PARTIES:
        raise ListenTokenError(f"party {party!r} is not one of {', '.join(PARTIES)}")
    issued = time.time() if now is None else now
    # The nonce makes every token unique, so spending one never spends a twin issued
    # in the same millisecond.
    claims = {
        "c": call_id,
        "u": user,
        "r": role,
        "p": party,
        "e": round(issued + ttl_s, 3),
        "n": secrets.token_urlsafe(9),
    }
    body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(_sign(secret, body))}"


def verify_listen_token(secret: str, token: str, call_id: str, *, now: float | None = None) -> ListenGrant:
    """The grant in `token` when it is signed with `secret`, unexpired, for
    `call_id` and a listening role; else ListenTokenError."""
    body, _, signature = token.partition(".")
    try:
        given = _unb64(signature)
    except ValueError:
        raise ListenTokenError("malformed signature") from None
    if not hmac.compare_digest(given, _sign(secret, body)):
        raise ListenTokenError("bad signature")
    try:
        claims = json.loads(_unb64(body))
        grant = ListenGrant(
            call_id=str(claims["c"]),
            user=str(claims["u"]),
            role=str(claims["r"]),
            party=claims["p"],
            expires_at=float(claims["e"]),
        )
    except (ValueError, KeyError, TypeError):
        raise ListenTokenError("malformed claims") from None
    if grant.expires_at < (time.time() if now is None else now):
        raise ListenTokenError("expired")
    if not hmac.compare_digest(grant.call_id.encode(), call_id.encode()):
        raise ListenTokenError("issued for another call")
    if grant.role not in LISTEN_ROLES:
        raise ListenTokenError(f"role {grant.role!r} may not listen")
    if grant.party not in PARTIES:
        raise ListenTokenError("unknown party")
    return grant


class SpentListenTokens:
    """Tokens already used to open a listen, kept until they expire (after that the
    expiry check refuses them anyway, so memory stays bounded by the issue rate)."""

    def __init__(self) -> None:
        self._spent: dict[str, float] = {}

    def spend(self, token: str, grant: ListenGrant, *, now: float | None = None) -> bool:
        """Mark a verified `token` used; False when it was used before."""
        at = time.time() if now is None else now
        for key in [k for k, expires in self._spent.items() if expires < at]:
            del self._spent[key]
        signature = token.partition(".")[2]
        if signature in self._spent:
            return False
        self._spent[signature] = grant.expires_at
        return True

    def __len__(self) -> int:
        return len(self._spent)


def _sign(secret: str, body: str) -> bytes:
    # A purpose prefix, so a listen token can never pass for another HMAC made
    # with the same secret (session cookies, Twilio stream tokens).
    return hmac.new(secret.encode(), b"callmon-listen:" + body.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise ValueError(str(error)) from None
