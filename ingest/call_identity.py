"""Who is the agent on a call: decided here, once, for storage, alerts and the dashboard.

Adapters put what they know in `CallStarted.metadata` under whatever name the
telephony side uses (Twilio custom parameters, the voice webhook, recordings'
side files); ViciDial enrichment later fills the calls table's `agent` and
`agent_name` columns, which then win.
"""

from __future__ import annotations

from collections.abc import Mapping

from ingest.events import CallSummary

AGENT_METADATA_KEYS = ("agent", "agent_id", "user")
"""Metadata keys that may name the agent (their login / ID), first found wins."""


def agent_from_metadata(metadata: Mapping[str, str]) -> str | None:
    """The agent's login named by a call's start metadata, if any."""
    return next((metadata[key] for key in AGENT_METADATA_KEYS if metadata.get(key)), None)


def call_agent(summary: CallSummary) -> str | None:
    """The agent's login for a call: the stored column, else the start metadata."""
    return summary.agent or agent_from_metadata(summary.metadata)


def agent_display_name(summary: CallSummary) -> str | None:
    """What to call the agent on screen: their name when ViciDial told us, else their login."""
    return summary.agent_name or call_agent(summary)
