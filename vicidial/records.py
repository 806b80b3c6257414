"""What callmon learns from ViciDial: one call, one live agent (plain data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Direction = Literal["inbound", "outbound"]

# ViciDial logs these pseudo-users when no agent took the call (VDAD: the
# auto-dialer dropped an outbound call; VDCL: an inbound call left the queue).
NO_AGENT_USERS = frozenset({"", "VDAD", "VDCL"})


@dataclass(frozen=True, slots=True)
class CallInfo:
    """One call as ViciDial logged it, mapped onto callmon's call columns.

    Inbound calls come from `vicidial_closer_log`, whose `campaign_id` is the
    in-group; their `campaign` is the campaign of an outbound leg with the same
    uniqueid (a call transferred to a closer) or else the campaign the agent
    is logged into, and stays None when neither is known.
    """

    uniqueid: str
    direction: Direction
    agent: str | None = None
    agent_name: str | None = None
    caller_number: str | None = None
    campaign: str | None = None
    in_group: str | None = None
    lead_id: int | None = None
    status: str | None = None
    length_in_sec: int | None = None
    queue_seconds: float | None = None
    term_reason: str | None = None
    call_date: datetime | None = None
    closecallid: int | None = None
    recording_url: str | None = None

    def metadata(self) -> dict[str, str]:
        """The extras for the call's metadata (strings only, unknowns left out)."""
        extras: dict[str, Any] = {
            "vicidial_uniqueid": self.uniqueid,
            "direction": self.direction,
            "lead_id": self.lead_id,
            "status": self.status,
            "length_in_sec": self.length_in_sec,
            "queue_seconds": self.queue_seconds,
            "term_reason": self.term_reason,
            "recording_url": self.recording_url,
        }
        return {key: str(value) for key, value in extras.items() if value is not None}

    def call_fields(self) -> dict[str, Any]:
        """Keyword arguments for `CallStore.update_call`, unknowns left out."""
        columns = {
            "agent": self.agent,
            "agent_name": self.agent_name,
            "caller_number": self.caller_number,
            "campaign": self.campaign,
            "in_group": self.in_group,
        }
        fields: dict[str, Any] = {key: value for key, value in columns.items() if value}
        fields["metadata"] = self.metadata()
        return fields


@dataclass(frozen=True, slots=True)
class LiveAgent:
    """One row of `vicidial_live_agents`: an agent logged in right now."""

    user: str
    full_name: str | None
    status: str
    """READY, QUEUE, INCALL, PAUSED, CLOSER or MQUEUE."""
    campaign: str | None
    uniqueid: str | None
    callerid: str | None
    channel: str | None
    lead_id: int | None
    calls_today: int
    last_update_time: datetime | None = None
