"""What the alert engine remembers about one call between its segments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ingest.analysis import CallMood

MoodKey = tuple[str, ...]
"""The speakers a mood is computed over, sorted: ("caller", "unknown")."""


def mood_key(speakers: Iterable[str]) -> MoodKey:
    return tuple(sorted(set(speakers)))


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
    agent_heard: bool = False
    """An agent line of the disclosure window was heard clearly enough to judge."""
    agent_unclear: int = 0
    """Agent lines of the disclosure window too unclear to judge (babble, noise)."""
    disclosure_near: str = ""
    """Agent words of the window close to a disclosure but not close enough to count."""
    agent_tail: str = ""
    """The agent's last words, so a disclosure cut across two segments still counts."""
    late_in_window: frozenset[float] = frozenset()
    """Starts of agent lines from inside the disclosure window that went late under
    overload and are still being recognised: one may hold the disclosure."""
    disclosure_held: bool = False
    """The deadline passed while such a line waited: judged once the last one settles."""
    moods: Mapping[MoodKey, CallMood] = field(default_factory=dict)
    """One mood per set of speakers a sentiment rule listens to: the caller's
    streak is counted over caller lines only, whatever the agent says between."""

    def mood(self, speakers: Iterable[str]) -> CallMood:
        return self.moods.get(mood_key(speakers), CallMood())
