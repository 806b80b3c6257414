"""Live listen-in: a per-call tap that copies a call's audio to supervisors' players.

The tap sits in front of the pipeline and sees every `AudioReceived`. Feeding it
is synchronous and O(listeners of that call): each listener has a bounded queue
that drops its *oldest* frames when the listener falls behind, so a slow browser
hears the call's present rather than an ever-growing past, and can never slow
ingest down. Nothing is stored: frames live only in these queues.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from ingest.events import AudioReceived, CallEnded, CallEvent, Speaker

log = logging.getLogger(__name__)

Party = Literal["both", "caller", "agent"]
PARTIES: tuple[Party, ...] = ("both", "caller", "agent")

DEFAULT_QUEUE_FRAMES = 50
"""About one second of 20 ms frames per party: more would only add delay."""


@dataclass(frozen=True, slots=True)
class ListenFrame:
    call_id: str
    speaker: Speaker
    pcm: bytes
    """Signed 16-bit little-endian mono PCM."""
    sample_rate: int
    received_at: float
    """Wall-clock time the worker received the frame (for delay measurement)."""


class Listener:
    """One supervisor's queue of a call's frames; `await next_frame()` or iterate."""

    def __init__(self, call_id: str, party: Party, max_frames: int) -> None:
        self.call_id = call_id
        self.party = party
        self.dropped = 0
        self.delivered = 0
        self._frames: deque[ListenFrame] = deque(maxlen=max_frames)
        self._ready = asyncio.Event()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def wants(self, speaker: Speaker) -> bool:
        # A mixed leg ("unknown": one AudioSocket stream carrying both parties)
        # is all the audio such a call has, so every listener hears it.
        return self.party == "both" or speaker in (self.party, "unknown")

    def offer(self, frame: ListenFrame) -> None:
        """Never blocks: a full queue loses its oldest frame."""
        if self._closed:
            return
        if len(self._frames) == self._frames.maxlen:
            self.dropped += 1
        self._frames.append(frame)
        self._ready.set()

    def close(self) -> None:
        self._closed = True
        self._ready.set()

    async def next_frame(self) -> ListenFrame | None:
        """The oldest queued frame, waiting for one; None once the listener is closed
        (the call ended or the tap let it go) and its queue is empty."""
        while not self._frames:
            if self._closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        self.delivered += 1
        return self._frames.popleft()


class ListenTap:
    """Fan-out of live audio to listeners, keyed by call id."""

    def __init__(self, max_queue_frames: int = DEFAULT_QUEUE_FRAMES) -> None:
        self._max_queue_frames = max_queue_frames
        self._listeners: dict[str, set[Listener]] = defaultdict(set)

    def listener_count(self, call_id: str | None = None) -> int:
        if call_id is not None:
            return len(self._listeners.get(call_id, ()))
        return sum(len(listeners) for listeners in self._listeners.values())

    @contextmanager
    def listen(self, call_id: str, party: Party = "both") -> Iterator[Listener]:
        """A listener for `call_id` for the duration of the block."""
        listener = Listener(call_id, party, self._max_queue_frames)
        self._listeners[call_id].add(listener)
        try:
            yield listener
        finally:
            listener.close()
            listeners = self._listeners.get(call_id)
            if listeners is not None:
                listeners.discard(listener)
                if not listeners:
                    del self._listeners[call_id]

    def feed(self, event: CallEvent) -> None:
        """Called for every call event, on the event loop, before the pipeline."""
        if isinstance(event, AudioReceived):
            listeners = self._listeners.get(event.call_id)
            if not listeners:
                return
            frame = ListenFrame(event.call_id, event.speaker, event.pcm, event.sample_rate, time.time())
            for listener in listeners:
                if listener.wants(event.speaker):
                    listener.offer(frame)
        elif isinstance(event, CallEnded):
            for listener in self._listeners.get(event.call_id, ()):
                listener.close()

    def close_all(self) -> None:
        """Let every listener go (the worker is stopping)."""
        for listeners in self._listeners.values():
            for listener in listeners:
                listener.close()
