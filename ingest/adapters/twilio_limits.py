"""Limits on what a Twilio Media Stream may send, and the close codes that enforce them.

Twilio's own messages are small (a `media` frame ~300 bytes, a `start` with our
webhook's three parameters well under 1 KiB); anything far beyond is not Twilio,
and what a `start` carries ends up stored and shown on every page.
"""

from __future__ import annotations

from typing import Any

import orjson

from ingest.adapters.stream_tokens import TOKEN_PARAMETER

MAX_MESSAGE_BYTES = 64 * 1024
"""Largest WebSocket message a stream may send: a media frame is ~300 bytes and a
start within the parameter limits below under 10 KiB. Larger closes with 1009."""
MESSAGE_TOO_BIG = 1009
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
START_TIMEOUT_S = 10.0
"""A stream must send its `start` this soon after the upgrade (Twilio sends it at
once): a socket that never does only holds memory (about 70 KB each) and a file."""
IDLE_TIMEOUT_S = 30.0
"""A started stream silent this long is dead: Twilio sends 50 media frames a second
per track, silence included (AudioSocket's idle timeout is the same)."""
MAX_WEBHOOK_BYTES = 64 * 1024
"""Largest voice-webhook body read before its signature is checked: Twilio's is
form-encoded and under 4 KiB; a multipart upload would be spooled to disk first."""
MAX_PARAMETERS = 32
MAX_PARAMETER_NAME = 64
MAX_PARAMETER_VALUE = 1024
MAX_PARAMETERS_TOTAL = 8 * 1024
"""Limits on `start.customParameters` (a start over them is refused): our own
webhook sends three short ones; metadata is stored and shown on every page."""
RESERVED_PARAMETERS = frozenset({TOKEN_PARAMETER, "recording_path", "recording_url"})
"""Never taken from the wire into call metadata: they name files and URLs the
dashboard serves, or carry the stream's credential."""


def parameters_problem(custom: dict[Any, Any]) -> str | None:
    """Why `customParameters` exceed the limits, or None."""
    if len(custom) > MAX_PARAMETERS:
        return f"{len(custom)} customParameters (limit {MAX_PARAMETERS})"
    total = 0
    for key, value in custom.items():
        text = value if type(value) is str else orjson.dumps(value).decode()
        if len(str(key)) > MAX_PARAMETER_NAME or len(text) > MAX_PARAMETER_VALUE:
            return f"customParameter {str(key)[:40]!r} too long (limits {MAX_PARAMETER_NAME}/{MAX_PARAMETER_VALUE})"
        total += len(str(key)) + len(text)
    if total > MAX_PARAMETERS_TOTAL:
        return f"customParameters of {total} characters (limit {MAX_PARAMETERS_TOTAL})"
    return None
