"""Settings for tests that replay calls faster than real time on purpose.

The worker drops audio that runs ahead of real time beyond a small burst and
closes a connection that keeps doing it (`ingest.adapters.pacing`): the right
default for production, where a phone system sends one second per second.
Tests dial whole calls in a fraction of their length to stay fast, so their
workers run with pacing off; the pacing tests turn it back on.
"""

from __future__ import annotations

from typing import Any

from ingest.settings import IngestSettings

UNPACED: dict[str, Any] = {"audio_burst_s": 0.0}
"""`IngestSettings` values that let audio in as fast as a test sends it."""


def unpaced(settings: IngestSettings) -> IngestSettings:
    """`settings` with pacing off (see the module docstring)."""
    return settings.model_copy(update=UNPACED)
