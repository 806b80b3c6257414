"""Helpers shared by the Twilio adapter tests (a module name no other test folder uses)."""

from __future__ import annotations

from ingest.events import AudioReceived, CallEvent, Speaker
from tests.support.sinks import CollectingSink

__all__ = ["WAIT_S", "CollectingSink", "track_audio"]

# Only a guard against a hung test; no test depends on how fast anything is.
WAIT_S = 20.0


def track_audio(events: list[CallEvent], speaker: Speaker) -> list[AudioReceived]:
    return [e for e in events if isinstance(e, AudioReceived) and e.speaker == speaker]
