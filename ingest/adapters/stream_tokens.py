"""Per-call tokens that bind a Twilio Media Stream to the call it was issued for.

Twilio signs a stream's WebSocket upgrade over the URL alone, so that
signature is one constant value per URL and can be replayed for any callSid.
The voice webhook (which *is* signed over the call's form) therefore adds a
`<Parameter name="callmon_token">`: ``<expiry>.<HMAC-SHA256(callSid.expiry)>``
keyed by a secret derived from the auth token. A `start` must carry a valid
token for its own callSid, or the stream is closed with 1008. A token admits
one stream (`CallAdmission.spend`): replayed after its call ended, it cannot
reopen the call and rewrite its parameters. Nor can a replay of the signed
voice webhook mint a fresh one: once a call has streamed, its webhook is
answered with a hang-up (`CallAdmission.refuse_replayed_webhook`: known from
the worker's memory, or from the store, so a replay after a restart or to
another worker sharing the store is caught too).
"""

from __future__ import annotations

import hashlib
import hmac
import time

TOKEN_PARAMETER = "callmon_token"
TOKEN_LIFETIME_S = 600
"""From the webhook's answer to the stream's `start`: seconds in practice; a chat's
language menu comes first, hence minutes of margin."""


def _key(auth_token: str) -> bytes:
    # A derived key, so the token never exposes (or doubles as) the Twilio auth token.
    return hashlib.sha256(b"callmon-stream-token\x00" + auth_token.encode()).digest()


def _mac(auth_token: str, call_sid: str, expiry: int) -> str:
    message = f"{call_sid}.{expiry}".encode()
    return hmac.new(_key(auth_token), message, hashlib.sha256).hexdigest()


def issue_stream_token(auth_token: str, call_sid: str, *, now: float | None = None) -> str:
    expiry = int((time.time() if now is None else now) + TOKEN_LIFETIME_S)
    return f"{expiry}.{_mac(auth_token, call_sid, expiry)}"


def stream_token_valid(auth_token: str, call_sid: str, token: object, *, now: float | None = None) -> bool:
    """True when `token` was issued for `call_sid` with this auth token and has not expired."""
    if type(token) is not str or len(token) > 100:
        return False
    expiry_text, _, mac = token.partition(".")
    if not expiry_text.isdigit() or not expiry_text.isascii():
        return False
    expiry = int(expiry_text)
    if expiry < (time.time() if now is None else now):
        return False
    return hmac.compare_digest(mac, _mac(auth_token, call_sid, expiry))


def token_expiry(token: str) -> float:
    """The epoch second a (valid) token expires."""
    return float(token.partition(".")[0])
