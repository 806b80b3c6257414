"""What the alert engine remembers about one call between its segments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CallAlertState:
    call_id: str
    segments_seen: int = 0
    last_fired: Mapping[str, float] = field(default_factory=dict)
    """Rule name -> call time (segment start, seconds) it last fired at."""
    last_time: float = 0.0
    """Latest segment end seen, in seconds since the call started."""
    disclosure_heard: bool = False
    disclosure_reported: bool = False
    agent_tail: str = ""
    """The agent's last words, so a disclosure cut across two segments still counts."""
