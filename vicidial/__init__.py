"""ViciDial enrichment: agent, campaign, in-group, lead and recording for each call.

`ViciDialSettings.from_env()` (None when `CALLMON_VICIDIAL_HOST` is unset),
`ViciDialDirectory` for look-ups, `CallEnricher` for the ingest pipeline.
See the README's "ViciDial enrichment" section for the dialplan.
"""

from vicidial.database import ViciDialError
from vicidial.directory import ViciDialDirectory
from vicidial.enricher import CallEnricher
from vicidial.records import CallInfo, LiveAgent
from vicidial.settings import ViciDialSettings, ViciDialSettingsError
from vicidial.uniqueid import decode_call_uuid, encode_call_uuid, parse_uniqueid, resolve_uniqueid

__all__ = [
    "CallEnricher",
    "CallInfo",
    "LiveAgent",
    "ViciDialDirectory",
    "ViciDialError",
    "ViciDialSettings",
    "ViciDialSettingsError",
    "decode_call_uuid",
    "encode_call_uuid",
    "parse_uniqueid",
    "resolve_uniqueid",
]
