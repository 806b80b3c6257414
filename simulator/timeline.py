"""A scripted call laid out as two aligned 8 kHz tracks (agent, caller)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.scripts import CallScript
from simulator.speech import TELEPHONE_RATE, speak

TURN_GAP_S = 0.8
LEAD_IN_S = 0.5
TAIL_S = 1.5


@dataclass(frozen=True, slots=True)
class SpokenLine:
    speaker: str
    text: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class CallAudio:
    """Equal-length s16le tracks; silence where the other party speaks."""

    agent: bytes
    caller: bytes
    lines: tuple[SpokenLine, ...]
    sample_rate: int = TELEPHONE_RATE

    @property
    def duration(self) -> float:
        return len(self.agent) / 2 / self.sample_rate

    def mixed(self) -> bytes:
        """Both parties in one stream, as a single AudioSocket would carry them."""
        a = np.frombuffer(self.agent, dtype=np.int16).astype(np.int32)
        c = np.frombuffer(self.caller, dtype=np.int16).astype(np.int32)
        return bytes(np.clip(a + c, -32768, 32767).astype(np.int16).tobytes())


def render_call(script: CallScript, *, turn_gap: float = TURN_GAP_S) -> CallAudio:
    rate = TELEPHONE_RATE
    tracks = {"agent": bytearray(), "caller": bytearray()}
    cursor = LEAD_IN_S
    lines: list[SpokenLine] = []
    for line in script.lines:
        cursor += line.pause_before
        pcm = speak(line.text, line.speaker)
        start_byte = int(cursor * rate) * 2
        own = tracks[line.speaker]
        own.extend(bytes(max(0, start_byte - len(own))))
        own.extend(pcm)
        end = cursor + len(pcm) / 2 / rate
        lines.append(SpokenLine(line.speaker, line.text, round(cursor, 3), round(end, 3)))
        cursor = end + turn_gap
    total = int((cursor + TAIL_S) * rate) * 2
    for track in tracks.values():
        track.extend(bytes(total - len(track)))
    return CallAudio(bytes(tracks["agent"]), bytes(tracks["caller"]), tuple(lines))
