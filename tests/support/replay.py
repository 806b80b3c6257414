"""Settings for tests that replay calls faster than real time on purpose.

The worker drops audio that runs ahead of real time beyond a small burst and
closes a connection that keeps doing it (`ingest.adapters.pacing`): the right
default for production, where a phone system sends one second per second.
Tests dial whole calls in a fraction of their length to stay fast, so their
workers run with pacing off; the pacing tests turn it back on.

Dialled all at once, a few calls bring more speech than the engines take in
the time, which in production is overload: the newest lines are recognised
first and overtaken ones go late (`ingest.pipeline.recognition_queue`). Tests
that check transcripts and alerts in spoken order run `REPLAYED`: first come,
first served, and no deadline within a test's life.
"""

from __future__ import annotations

from typing import Any

from ingest.settings import IngestSettings

UNPACED: dict[str, Any] = {"audio_burst_s": 0.0}
"""`IngestSettings` values that let audio in as fast as a test sends it."""

REPLAYED: dict[str, Any] = {
    **UNPACED,
    "recognition_newest_first": False,
    "recognition_deadline_s": 3600.0,
}
"""Unpaced, and recognised in the order spoken with nothing going late."""


def unpaced(settings: IngestSettings) -> IngestSettings:
    """`settings` with pacing off (see the module docstring)."""
    return settings.model_copy(update=UNPACED)
