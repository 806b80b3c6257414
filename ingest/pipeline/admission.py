"""Which connection owns which call, and how many calls may be live at once.

Every adapter claims a call id before it submits `CallStarted` and releases it
after `CallEnded`. A claim for an id that another owner holds is refused, so a
stream that names a live call (a Twilio callSid equal to an AudioSocket UUID,
a second stream replaying a callSid) can neither feed nor end that call. The
same gate enforces the maximum number of concurrent calls. Refusals are
counted by reason for `/healthz`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, OrderedDict, defaultdict, deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

REFUSED_IN_USE = "call-id-in-use"
REFUSED_SPENT = "stream-token-used"
"""A stream token admits one stream: presented again (a replayed `start` after its
call ended) it would reopen the stored call and merge the replayer's parameters."""
REFUSED_STREAMED = "call-already-streamed"
"""A voice webhook for a call that has already streamed: Twilio asks once per call,
so it is a replay, and answering it would issue a fresh stream token for the call."""
REFUSED_FULL = "max-calls"
CLOSED_FLOOD = "audio-flood"
"""Not a refusal at the start: a live call whose sender kept sending audio faster
than real time (`ingest.adapters.pacing`) and was cut off; counted with the refusals."""

STREAMED_KEPT = 100_000
"""Call ids remembered as streamed: days of calls at a busy site."""
RECORD_LOOKUP_S = 2.0
"""How long a voice webhook waits for the store to say whether its call is on record
(Twilio waits 15 s for the answer); past it, only this process's memory decides."""

CallOnRecord = Callable[[str], Awaitable[bool]]
"""Whether the store holds a call with this id: it outlives a restart and is shared by
every worker of a fleet, where this process's memory of streamed calls is not."""


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
        self._spent: dict[str, float] = {}
        self._spent_order: deque[tuple[float, str]] = deque()
        self._streamed: OrderedDict[str, None] = OrderedDict()
        self.on_record: CallOnRecord | None = None
        """Set by the worker once its store is open (`refuse_replayed_webhook`)."""

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

    def spend(self, ticket: str, valid_until: float, now: float | None = None) -> str | None:
        """None the first time a one-time credential (a stream token, valid until the
        epoch second `valid_until`) is presented, else why not (counted). Remembered
        until it expires, when it is refused for its age anyway."""
        now = time.time() if now is None else now
        while self._spent_order and self._spent_order[0][0] < now:
            _, old = self._spent_order.popleft()
            self._spent.pop(old, None)
        if ticket in self._spent:
            self.refused[REFUSED_SPENT] += 1
            log.warning("stream refused: %s", REFUSED_SPENT)
            return REFUSED_SPENT
        self._spent[ticket] = valid_until
        self._spent_order.append((valid_until, ticket))
        return None

    def note_streamed(self, call_id: str) -> None:
        """`call_id` was admitted with its one-time stream token: a later voice webhook
        for it is a replay (`refuse_replayed_webhook`). The newest `STREAMED_KEPT` are
        remembered here (a few hundred bytes each); the store (`on_record`) knows the rest."""
        self._streamed[call_id] = None
        self._streamed.move_to_end(call_id)
        while len(self._streamed) > STREAMED_KEPT:
            self._streamed.popitem(last=False)

    async def refuse_replayed_webhook(self, call_id: str) -> str | None:
        """None when a voice webhook for `call_id` may be answered, else why not (counted).
        A call is known to have streamed when this process admitted its stream, or when
        the store holds it (a replay after a restart, or to another worker of the fleet).
        A store that cannot answer within `RECORD_LOOKUP_S` does not stop a real call
        being answered: the webhook is served on this process's memory alone, and logged."""
        known = call_id in self._streamed
        if not known and self.on_record is not None:
            try:
                async with asyncio.timeout(RECORD_LOOKUP_S):
                    known = await self.on_record(call_id)
            except Exception as error:  # a store problem must not refuse a real call
                log.warning(
                    "voice webhook for call %r: the store could not say whether it already streamed (%s); answered",
                    call_id[:64],
                    type(error).__name__,
                )
        if not known:
            return None
        self.refused[REFUSED_STREAMED] += 1
        return REFUSED_STREAMED

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
