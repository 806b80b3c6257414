"""Checking `X-Twilio-Signature` on webhooks and Media Streams upgrades.

Twilio signs the full URL it requested (plus the POST form parameters) with
HMAC-SHA1 keyed by the account's auth token; twilio's `RequestValidator` does
the arithmetic. The only subtle part is *which URL*: behind a TLS-terminating
proxy the app sees `http://internal:8080/...` while Twilio signed
`https://public.example/...`, so a configured public base URL wins over what
the request says.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

log = logging.getLogger(__name__)

__all__ = [
    "SIGNATURE_HEADER",
    "TwilioSignatureChecker",
    "proxy_setup_problem",
    "public_request_url",
    "sign_request",
]

# What a WebSocket URL is called when the same host is reached over HTTP and back.
_SCHEME_TWINS = {"wss": "https", "https": "wss", "ws": "http", "http": "ws"}


def public_request_url(request_url: str, public_url: str | None, *, websocket: bool = False) -> str:
    """The URL Twilio requested: `public_url`'s scheme and host, the request's path and query.

    For a WebSocket the scheme becomes wss/ws, as in the `<Stream url>` Twilio used.
    """
    requested = urlsplit(request_url)
    if public_url:
        public = urlsplit(public_url)
        scheme, netloc = public.scheme, public.netloc
    else:
        scheme, netloc = requested.scheme, requested.netloc
    if websocket:
        scheme = {"https": "wss", "http": "ws"}.get(scheme, scheme)
    return urlunsplit((scheme, netloc, requested.path, requested.query, ""))


def proxy_setup_problem(
    *, signatures_checked: bool, http_host: str, public_url: str | None, forwarded_allow_ips: str | None
) -> str | None:
    """Why Twilio's signatures will likely fail here, or None.

    Twilio signs the https/wss URL it called. A service reachable from other
    hosts is normally behind a TLS proxy; without the public URL or a trusted
    proxy it validates against the http/ws URL it sees and refuses every call.
    """
    if not signatures_checked or public_url or forwarded_allow_ips or _is_loopback(http_host):
        return None
    return (
        f"Twilio signatures are checked and HTTP listens on {http_host}, but neither "
        "CALLMON_PUBLIC_URL nor CALLMON_FORWARDED_ALLOW_IPS is set: behind a TLS proxy on "
        "another host every webhook gets 403 and every stream 1008 (Twilio signs the "
        "https/wss URL). Set CALLMON_PUBLIC_URL=https://your.public.host or trust the proxy."
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: could be anything


def sign_request(url: str, params: Mapping[str, Any] | None, auth_token: str) -> str:
    """The `X-Twilio-Signature` Twilio would send for this URL and form (used by simulators)."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params or {})))


class TwilioSignatureChecker:
    """Validates requests against one auth token."""

    def __init__(self, auth_token: str) -> None:
        self._validator = RequestValidator(auth_token)

    def is_valid(
        self,
        url: str,
        params: Any,
        headers: Mapping[str, str],
        *,
        also_accept_scheme_twin: bool = False,
    ) -> bool:
        """True when `headers` carry a valid signature of `url` + `params`.

        `also_accept_scheme_twin` accepts a signature of the same URL with the
        other scheme (wss <-> https): sources disagree on which one Twilio signs
        for a Media Streams upgrade, and both prove knowledge of the token.
        """
        signature = headers.get(SIGNATURE_HEADER)
        if not signature:
            return False
        algorithm = get_signature_algorithm(headers.get(SIGNATURE_SETTINGS_HEADER))
        candidates = [url]
        if also_accept_scheme_twin:
            parts = urlsplit(url)
            twin = _SCHEME_TWINS.get(parts.scheme)
            if twin:
                candidates.append(urlunsplit(parts._replace(scheme=twin)))
        return any(self._validator.validate(c, params, signature, algorithm) for c in candidates)
