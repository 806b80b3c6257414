"""Real speech (flite) through the AudioSocket server arrives byte for byte, on audio time."""

from __future__ import annotations

import array
import uuid
from pathlib import Path

import pytest
from audiosocket_helpers import CollectingSink, raw_pcm

from ingest.adapters.audiosocket_frames import FrameKind, frame_bytes
from ingest.events import AudioReceived


@pytest.mark.parametrize(("kind", "rate"), [(FrameKind.SLIN_8K, 8000), (FrameKind.SLIN_16K, 16000)])
async def test_spoken_audio_arrives_intact_with_audio_time(
    dial, sink: CollectingSink, hello_wav: Path, kind: FrameKind, rate: int
) -> None:
    speech = raw_pcm(hello_wav, rate)
    samples = array.array("h", speech)
    assert len(samples) > rate // 2 and max(map(abs, samples)) > 3000  # really speech

    call = uuid.uuid4()
    dialer = await dial(call)
    await dialer.send_audio(speech, kind=kind)
    await dialer.hangup()
    events = await sink.wait_call_ended(str(call))

    audio = [e for e in events if isinstance(e, AudioReceived)]
    assert b"".join(e.pcm for e in audio) == speech
    assert {e.sample_rate for e in audio} == {rate}
    assert all(len(e.pcm) == frame_bytes(kind) for e in audio[:-1])
    offsets = [0]
    for event in audio[:-1]:
        offsets.append(offsets[-1] + len(event.pcm) // 2)
    assert [e.audio_time for e in audio] == [offset / rate for offset in offsets]
    assert audio[-1].audio_time + len(audio[-1].pcm) / 2 / rate == pytest.approx(len(samples) / rate)
