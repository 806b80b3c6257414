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
class Recording:
    """One `recording_log` row of a call, with the link callmon can give for it."""

    filename: str | None
    url: str | None
    url_final: bool
    """True when ViciDial's audio cron wrote the URL; False for a URL callmon built
    from the bare filename (the cron may still move the file)."""
    vicidial_id: str | None = None
    user: str | None = None
    start_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class AgentLeg:
    """One agent's part of a call: one `vicidial_closer_log` row (or the outbound row)."""

    agent: str | None
    agent_name: str | None
    in_group: str | None
    status: str | None
    length_in_sec: int | None
    closecallid: int | None = None

    def describe(self) -> str:
        who = " ".join(
            part for part in (self.agent or "no agent", self.agent_name and f"({self.agent_name})") if part
        )
        details = ", ".join(part for part in (self.in_group, self.status) if part)
        return f"{who} [{details}]" if details else who


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
    legs: tuple[AgentLeg, ...] = ()
    """Every agent leg, oldest first (a transferred call has one per agent)."""
    recordings: tuple[Recording, ...] = ()
    caller_code: str | None = None
    """ViciDial's caller code of the dial (manual-dial recordings are keyed by it)."""
    status_final: bool = False
    """Every leg's status is a real disposition, not a placeholder (DISPO, INCALL...)."""

    @property
    def recordings_final(self) -> bool:
        """Recordings were found and ViciDial has written every one's URL."""
        return bool(self.recordings) and all(recording.url_final for recording in self.recordings)

    def metadata(self) -> dict[str, str]:
        """The extras for the call's metadata (strings only, unknowns left out)."""
        urls = [recording.url for recording in self.recordings if recording.url]
        extras: dict[str, Any] = {
            "vicidial_uniqueid": self.uniqueid,
            "direction": self.direction,
            "lead_id": self.lead_id,
            "status": self.status,
            "length_in_sec": self.length_in_sec,
            "queue_seconds": self.queue_seconds,
            "term_reason": self.term_reason,
            "recording_url": self.recording_url,
            # A call may have several agents and recordings (transfers); the panel shows all.
            "agents": "; ".join(leg.describe() for leg in self.legs) if len(self.legs) > 1 else None,
            "recording_urls": " ".join(urls) if len(urls) > 1 else None,
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
