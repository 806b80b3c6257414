"""Which call and which speaker an AudioSocket connection carries, from its UUID.

AudioSocket sends nothing but a UUID to identify a connection, so the UUID
itself carries the leg:

* A **mixed stream** (both parties on one socket, what `AudioSocket()` on the
  call's channel delivers) connects with a normal v4 UUID ``U``: the call is
  ``str(U)`` and the speaker is ``unknown``.
* A **split call** (agent and caller transcribed separately) opens one
  connection per leg. The leg UUIDs are the call's v4 UUID with the version
  nibble (hex character 14 of the canonical string) replaced by ``a`` (agent)
  or ``c`` (caller). Both legs map back to the v4 form, which is the call id.

Asterisk's ``${UUID()}`` is always version 4 and versions ``a``/``c`` are
unassigned (RFC 9562 defines 1..8), so a leg UUID never collides with a real
mixed-stream UUID. In the dialplan::

    same => n,Set(CALL=${UUID()})
    same => n,Set(AGENT_LEG=${CALL:0:14}a${CALL:15})
    same => n,Set(CALLER_LEG=${CALL:0:14}c${CALL:15})

Any UUID whose version nibble is neither ``a`` nor ``c`` is a mixed stream.
"""

from __future__ import annotations

from uuid import UUID

from ingest.events import Speaker

VERSION_NIBBLE = 14
"""Index of the version hex digit in the canonical 36-character UUID string."""

_LEG_NIBBLES: dict[str, Speaker] = {"a": "agent", "c": "caller"}
_SPEAKER_NIBBLES: dict[Speaker, str] = {speaker: nibble for nibble, speaker in _LEG_NIBBLES.items()}


def _with_nibble(text: str, nibble: str) -> str:
    return text[:VERSION_NIBBLE] + nibble + text[VERSION_NIBBLE + 1 :]


def leg_of(uuid: UUID) -> tuple[str, Speaker]:
    """(call id, speaker) for the UUID a connection sent."""
    text = str(uuid)
    speaker = _LEG_NIBBLES.get(text[VERSION_NIBBLE])
    if speaker is None:
        return text, "unknown"
    return _with_nibble(text, "4"), speaker


def leg_uuid(call_uuid: UUID, speaker: Speaker) -> UUID:
    """The UUID one leg of a call connects with (the inverse of `leg_of`)."""
    text = str(call_uuid)
    if speaker == "unknown" and text[VERSION_NIBBLE] not in _LEG_NIBBLES:
        return call_uuid
    if speaker == "unknown" or text[VERSION_NIBBLE] != "4":
        raise ValueError(f"{text} cannot carry the {speaker} leg (see the module docstring)")
    return UUID(_with_nibble(text, _SPEAKER_NIBBLES[speaker]))
