"""Which connection owns which call, and how many calls may be live at once.

Every adapter claims a call id before it submits `CallStarted` and releases it
after `CallEnded`. A claim for an id that another owner holds is refused, so a
stream that names a live call (a Twilio callSid equal to an AudioSocket UUID,
a second stream replaying a callSid) can neither feed nor end that call. The
same gate enforces the maximum number of concurrent calls. Refusals are
counted by reason for `/healthz`.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict

log = logging.getLogger(__name__)

REFUSED_IN_USE = "call-id-in-use"
REFUSED_FULL = "max-calls"
CLOSED_FLOOD = "audio-flood"
"""Not a refusal at the start: a live call whose sender kept sending audio faster
than real time (`ingest.adapters.pacing`) and was cut off; counted with the refusals."""


class CallAdmission:
    """The one registry of live call ids shared by every adapter of a worker."""

    def __init__(self, max_calls: int | None = None) -> None:
        self.max_calls = max_calls
        self._owners: dict[str, object] = {}
        self.refused: Counter[str] = Counter()
        self.audio_dropped_s: defaultdict[str, float] = defaultdict(float)
        """Audio seconds dropped for arriving faster than real time, by adapter."""
        self.floods_closed: Counter[str] = Counter()
        """Connections cut off for flooding, by adapter."""

    @property
    def live_calls(self) -> int:
        return len(self._owners)

    def claim(self, call_id: str, owner: object) -> str | None:
        """None when `owner` may run `call_id` now, else why not (logged and counted)."""
        holder = self._owners.get(call_id)
        if holder is owner:
            return None
        if holder is not None:
            reason = REFUSED_IN_USE
        elif self.max_calls is not None and len(self._owners) >= self.max_calls:
            reason = REFUSED_FULL
        else:
            self._owners[call_id] = owner
            return None
        self.refused[reason] += 1
        log.warning("call %s refused: %s (%d live calls)", call_id, reason, len(self._owners))
        return reason

    def count_dropped(self, source: str, seconds: float) -> None:
        """`source`'s adapter dropped `seconds` of audio that ran ahead of real time."""
        self.audio_dropped_s[source] += seconds

    def count_flood(self, source: str, call_id: str) -> None:
        """`source`'s adapter closed `call_id`'s connection for flooding (it logs the details)."""
        self.refused[CLOSED_FLOOD] += 1
        self.floods_closed[source] += 1

    def release(self, call_id: str, owner: object) -> None:
        """Give the id back; only its owner can."""
        if self._owners.get(call_id) is owner:
            del self._owners[call_id]

    def health(self) -> dict[str, object]:
        return {
            "live_calls": len(self._owners),
            "max_calls": self.max_calls,
            "refused_calls": dict(self.refused),
        }
