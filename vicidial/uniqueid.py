"""Asterisk uniqueids and how a callmon call id leads to one (pure functions).

ViciDial keys its call logs by the Asterisk `${UNIQUEID}` of the customer's
channel: `epoch.sequence`, e.g. `1716912345.4821`. callmon knows a call by the
AudioSocket UUID or the Twilio callSid, so the uniqueid must travel with the
call. In order of preference:

1. `metadata["vicidial_uniqueid"]`: any adapter can carry it (Twilio: a
   `<Parameter name="vicidial_uniqueid">` in the stream's customParameters).
2. The AudioSocket UUID itself, when the dialplan builds it from the uniqueid
   (`encode_call_uuid` below is the Python twin of the README's dialplan):
   `ca11d0EE-EEEE-4EEE-EEEE-SSSSSSSSSSSS`, the epoch (13 digits) and the
   sequence (12 digits) zero-padded in decimal. The version digit stays `4`,
   so the AudioSocket split-leg convention (version digit `a` = agent leg,
   `c` = caller leg of the same call) applies to these UUIDs unchanged.
3. A look-up in `vicidial_live_agents` by channel or ViciDial callerid
   (see `ViciDialDirectory.find_uniqueid`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

METADATA_KEY = "vicidial_uniqueid"
CALL_UUID_PREFIX = "ca11d0"

# The README's dialplan: builds the AudioSocket UUID from ${UNIQUEID} on the
# customer's channel (`__` makes Local and AudioSocket channels inherit it).
AUDIOSOCKET_DIALPLAN = """\
 same => n,Set(CALLMON_EPOCH=0000000000000${CUT(UNIQUEID,.,1)})
 same => n,Set(CALLMON_SEQ=000000000000${CUT(UNIQUEID,.,2)})
 same => n,Set(__CALLMON_UUID=ca11d0${CALLMON_EPOCH:-13:2}-${CALLMON_EPOCH:-11:4}-4${CALLMON_EPOCH:-7:3}-${CALLMON_EPOCH:-4}-${CALLMON_SEQ:-12})
 same => n,AudioSocket(${CALLMON_UUID},ingest-host:9093)
"""
_UNIQUEID = re.compile(r"^(\d{9,11})\.(\d{1,12})$")
_DIGITS = re.compile(r"^\d{25}$")
_LEG_DIGITS = "4ac"  # the version digit: whole call, agent leg, caller leg


def parse_uniqueid(value: str | None) -> str | None:
    """The uniqueid in canonical form, or None when `value` is not one."""
    if value is None:
        return None
    match = _UNIQUEID.match(value.strip())
    if match is None:
        return None
    return f"{int(match.group(1))}.{int(match.group(2))}"


def uniqueid_epoch(uniqueid: str) -> int:
    """Unix time the channel was created, from the uniqueid's first part."""
    return int(uniqueid.split(".", 1)[0])


def encode_call_uuid(uniqueid: str) -> str:
    """The AudioSocket UUID the README's dialplan builds for `uniqueid`."""
    canonical = parse_uniqueid(uniqueid)
    if canonical is None:
        raise ValueError(f"{uniqueid!r} is not an Asterisk uniqueid (epoch.sequence)")
    epoch, sequence = canonical.split(".")
    e = f"{int(epoch):013d}"
    digits = f"{CALL_UUID_PREFIX}{e[:6]}4{e[6:]}{int(sequence):012d}"
    return str(uuid.UUID(digits))


def decode_call_uuid(call_id: str) -> str | None:
    """The uniqueid hidden in a callmon AudioSocket UUID (either leg), or None for any other id."""
    try:
        hex_digits = uuid.UUID(call_id.strip()).hex
    except (ValueError, AttributeError):
        return None
    if not hex_digits.startswith(CALL_UUID_PREFIX) or hex_digits[12] not in _LEG_DIGITS:
        return None
    digits = hex_digits[6:12] + hex_digits[13:]
    if not _DIGITS.match(digits):
        return None
    epoch, sequence = int(digits[:13]), int(digits[13:])
    return parse_uniqueid(f"{epoch}.{sequence}")


def resolve_uniqueid(call_id: str, metadata: Mapping[str, str]) -> str | None:
    """The uniqueid a call announces itself (metadata, then its UUID), or None."""
    announced = parse_uniqueid(metadata.get(METADATA_KEY))
    if announced is not None:
        return announced
    return decode_call_uuid(call_id)
