"""Audio may not arrive faster than real time: a token bucket per track.

A phone system sends 1 s of audio per second. A sender that pushes minutes of
audio in a moment (a flood: a bug, a replay, an attacker on the AudioSocket
port, which has no authentication) would otherwise fill the recognition queue
and make every other call's transcript late.

Each track holds a bucket of `burst_s` seconds of audio (5 s) that refills at
real time (one audio second per wall-clock second). Audio that fits is admitted;
audio beyond it is dropped and counted (the adapter treats it as lost on the
wire). Dropped audio also fills a second, leaky bucket that drains at
`flood_s / FLOOD_WINDOW_S` per second: more than `flood_s` seconds dropped
within about `FLOOD_WINDOW_S` means the sender keeps flooding, and the adapter
closes the connection (AudioSocket: the socket; Twilio: WebSocket close 1008).

Key presses (DTMF) are paced the same way (`keypad_policy`): each press is
`KEY_PRESS_S` of keypad time, so a leg may send 20 at once and then 10 a
second, more than a keypad can (a 40 ms tone and a 40 ms gap: 12 a second
at most, and people press far slower). Each press is an event stored in
its own row: unpaced, a flood of them grew a worker by a gigabyte and kept
its database busy for minutes after the hang-up.

`burst_s = 0` turns pacing off: tests, the simulator's fast mode and the
benchmarks that replay calls faster than real time on purpose run that way.
Pure: the caller passes the clock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

FLOOD_WINDOW_S = 10.0
"""Dropped audio is counted over about this many seconds to decide on a close."""


_ROUNDING_S = 1e-6
"""Float sums of 20 ms frames must not cost the burst's last frame."""


class Pace(enum.Enum):
    ADMIT = "admit"
    DROP = "drop"
    """Too fast: this chunk is dropped, the connection stays."""
    CLOSE = "close"
    """Flooding: this chunk is dropped and the connection should be closed."""


@dataclass(frozen=True, slots=True)
class PacingPolicy:
    burst_s: float = 5.0
    """Audio a track may run ahead of real time before the excess is dropped (0: off).
    It is also the longest stall (of the sender, the network or this worker's own event
    loop, which then reads the buffered frames at once) that loses nothing: 2 s lost
    audio on a machine loaded enough to stall the loop for 2 s (bench/overload)."""
    flood_s: float = 10.0
    """Dropped audio within about `FLOOD_WINDOW_S` after which the connection is closed."""

    @property
    def enabled(self) -> bool:
        return self.burst_s > 0


OFF = PacingPolicy(burst_s=0.0)

KEY_PRESS_S = 0.1
"""One key press as keypad time: the bucket refills one second a second, 10 presses."""
KEYPAD = PacingPolicy(burst_s=2.0, flood_s=5.0)
"""Key presses: 20 at once, then 10 a second; 50 dropped within about
FLOOD_WINDOW_S close the connection."""


def keypad_policy(audio: PacingPolicy) -> PacingPolicy:
    """The key-press policy that goes with an audio policy: off when audio pacing is off
    (a replay faster than real time sends its presses faster too)."""
    return KEYPAD if audio.enabled else OFF


class AudioPacer:
    """One track's token bucket (see the module docstring)."""

    def __init__(self, policy: PacingPolicy, now: float) -> None:
        self.policy = policy
        self._tokens = policy.burst_s
        self._flood = 0.0
        self._last = now
        self.dropped_s = 0.0
        """Audio seconds dropped on this track so far."""

    def admit(self, audio_s: float, now: float) -> Pace:
        """Whether `audio_s` seconds arriving at `now` (monotonic seconds) may pass."""
        policy = self.policy
        if not policy.enabled:
            return Pace.ADMIT
        elapsed = max(0.0, now - self._last)
        self._last = now
        self._tokens = min(policy.burst_s, self._tokens + elapsed)
        self._flood = max(0.0, self._flood - elapsed * policy.flood_s / FLOOD_WINDOW_S)
        if audio_s <= self._tokens + _ROUNDING_S:
            self._tokens -= audio_s
            return Pace.ADMIT
        self.dropped_s += audio_s
        self._flood += audio_s
        return Pace.CLOSE if self._flood > policy.flood_s else Pace.DROP
