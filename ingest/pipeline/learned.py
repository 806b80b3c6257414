"""What callmon learns about a live call after it started, and what it changes.

ViciDial enrichment (vicidial/) finds a call's in-group some seconds into
the call. With `CALLMON_INGROUP_LANGUAGES` that in-group names the call's
language (ingest/call_language.py), so from then on the engine must be asked
for it: an utterance recognised afterwards is recognised in the in-group's
language (or stored "not transcribed: no model for es" by an engine without
that model), never as English garbage. Utterances already recognised keep
what they got.

A batch track asks for its language per utterance, so it simply takes the
new one. A streaming engine is asked once, when its stream opens: that
speaker's stream is closed, and their next audio opens one in the new
language.
"""

from __future__ import annotations

import dataclasses
import logging

from ingest.pipeline.session import CallSession
from ingest.pipeline.tracks import BatchTrack
from ingest.tasks import spawn

log = logging.getLogger(__name__)


def learn_in_group(session: CallSession, in_group: str | None) -> bool:
    """Note the call's in-group; True when that changed the language the engine is asked for."""
    metadata = session.started.metadata
    if not in_group or metadata.get("in_group") == in_group:
        return False
    before = session.language_to_ask()
    session.started = dataclasses.replace(session.started, metadata={**metadata, "in_group": in_group})
    after = session.language_to_ask()
    if after == before:
        return False
    log.info(
        "call %s: in-group %s learned mid-call; speech from now on is recognised as %s",
        session.call_id,
        in_group,
        after or "detected",
    )
    for speaker, track in list(session.tracks.items()):
        if isinstance(track, BatchTrack):
            track.language = after
        else:
            del session.tracks[speaker]
            spawn(track.finish(), name=f"track-relanguage-{session.call_id}")
    return True
