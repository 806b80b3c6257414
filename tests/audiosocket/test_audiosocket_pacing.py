"""Audio faster than real time: a leg may run ahead by the burst, no more; a flood is cut off.

The token bucket itself is pure (`ingest.adapters.pacing`) and tested with a
hand-driven clock; the server tests use real sockets and a paced server.
"""

from __future__ import annotations

import asyncio
import uuid

from audiosocket_helpers import WAIT_LIMIT, CollectingSink, wait_closed_by_server

from ingest.adapters.pacing import KEY_PRESS_S, OFF, AudioPacer, Pace, PacingPolicy, keypad_policy
from ingest.events import AudioReceived, CallEnded, DtmfReceived
from simulator.audiosocket_dialer import AudioSocketDialer

SECOND = bytes(8000 * 2)  # one second of 8 kHz silence


def test_the_bucket_lets_the_burst_through_then_refills_at_real_time() -> None:
    pacer = AudioPacer(PacingPolicy(burst_s=2.0, flood_s=10.0), now=100.0)
    assert [pacer.admit(0.5, 100.0) for _ in range(4)] == [Pace.ADMIT] * 4
    assert pacer.admit(0.5, 100.0) is Pace.DROP
    assert pacer.admit(0.5, 100.5) is Pace.ADMIT, "half a second later, half a second more"
    assert pacer.dropped_s == 0.5


def test_a_sender_at_real_time_never_loses_a_frame() -> None:
    pacer = AudioPacer(PacingPolicy(), now=0.0)
    # 10 minutes of 20 ms frames, each arriving a little early (jitter) or late.
    verdicts = {pacer.admit(0.02, n * 0.02 + (0.015 if n % 7 else -0.015)) for n in range(30_000)}
    assert verdicts == {Pace.ADMIT}


def test_a_flood_is_dropped_then_closed_and_off_means_off() -> None:
    pacer = AudioPacer(PacingPolicy(burst_s=2.0, flood_s=10.0), now=0.0)
    verdicts = [pacer.admit(0.02, 0.0) for _ in range(50 * 60)]  # a minute of audio at once
    assert verdicts[:100] == [Pace.ADMIT] * 100
    first_close = verdicts.index(Pace.CLOSE)
    assert set(verdicts[100:first_close]) == {Pace.DROP}
    dropped_when_closed = (first_close + 1 - 100) * 0.02
    assert 10.0 < dropped_when_closed <= 10.0 + 0.02 + 1e-6, "closed at the first frame over the flood limit"
    unpaced = AudioPacer(OFF, now=0.0)
    assert {unpaced.admit(60.0, 0.0) for _ in range(10)} == {Pace.ADMIT}


async def test_a_paced_leg_sending_in_real_time_keeps_every_frame(start_server, sink: CollectingSink) -> None:
    server = await start_server(pacing=PacingPolicy())
    call_id = uuid.uuid4()
    dialer = AudioSocketDialer()
    await dialer.connect("127.0.0.1", server.port, call_id)
    # A second up front (within the burst), then two at a phone's pace.
    await dialer.send_audio(SECOND)
    await dialer.send_audio(SECOND * 2, realtime=True)
    await dialer.hangup()
    events = await asyncio.wait_for(sink.wait_call_ended(str(call_id)), WAIT_LIMIT)
    await dialer.close()
    audio = [e for e in events if isinstance(e, AudioReceived)]
    assert sum(len(e.pcm) for e in audio) == len(SECOND) * 3
    assert server.audio_dropped_s == 0
    assert isinstance(events[-1], CallEnded) and events[-1].reason == "hangup"


async def test_a_flooding_leg_is_closed_and_only_the_burst_gets_in(
    start_server, sink: CollectingSink
) -> None:
    server = await start_server(pacing=PacingPolicy(burst_s=2.0, flood_s=10.0))
    call_id = uuid.uuid4()
    dialer = AudioSocketDialer()
    loop = asyncio.get_running_loop()
    opened = loop.time()
    await dialer.connect("127.0.0.1", server.port, call_id)
    try:
        await dialer.send_audio(SECOND * 60)  # a minute in a moment
    except ConnectionError:
        pass  # closed under our feet: expected
    await wait_closed_by_server(dialer)
    lasted = loop.time() - opened
    events = await asyncio.wait_for(sink.wait_call_ended(str(call_id)), WAIT_LIMIT)
    await dialer.close()
    admitted_s = sum(len(e.pcm) for e in events if isinstance(e, AudioReceived)) / len(SECOND)
    assert admitted_s <= 2.0 + lasted, "the burst plus the real time that passed, no more"
    assert server.connections_flooding == 1
    assert server.audio_dropped_s > 10.0
    assert server.admission.refused["audio-flood"] == 1
    ended = events[-1]
    assert isinstance(ended, CallEnded) and ended.reason.startswith("flood")
    assert audio_times_follow_on([e for e in events if isinstance(e, AudioReceived)])


def audio_times_follow_on(audio: list[AudioReceived]) -> bool:
    """Dropped audio never happened: admitted frames sit back to back in audio time."""
    position = 0.0
    for event in audio:
        if abs(event.audio_time - position) > 1e-6:
            return False
        position += len(event.pcm) / 2 / event.sample_rate
    return True


def test_key_presses_are_paced_like_a_keypad_and_off_with_audio_pacing() -> None:
    keypad = AudioPacer(keypad_policy(PacingPolicy()), now=0.0)
    at_once = [keypad.admit(KEY_PRESS_S, 0.0) for _ in range(40)]
    assert at_once[:20] == [Pace.ADMIT] * 20 and set(at_once[20:]) == {Pace.DROP}
    # A person pressing four keys a second for ten minutes never loses one.
    person = AudioPacer(keypad_policy(PacingPolicy()), now=0.0)
    assert {person.admit(KEY_PRESS_S, n * 0.25) for n in range(2400)} == {Pace.ADMIT}
    assert keypad_policy(OFF) == OFF


async def test_a_key_press_flood_is_closed_and_only_a_keypads_worth_gets_in(
    start_server, sink: CollectingSink
) -> None:
    server = await start_server(pacing=PacingPolicy())
    call_id = uuid.uuid4()
    dialer = AudioSocketDialer()
    await dialer.connect("127.0.0.1", server.port, call_id)
    try:
        await dialer.send_raw(
            bytes([0x03, 0x00, 0x01, ord("5")]) * 5000 + bytes([0x03, 0x00, 0x01, ord("Z")]) * 5000
        )
    except ConnectionError:
        pass  # closed under our feet: expected
    await wait_closed_by_server(dialer)
    events = await asyncio.wait_for(sink.wait_call_ended(str(call_id)), WAIT_LIMIT)
    await dialer.close()
    assert sum(isinstance(e, DtmfReceived) for e in events) <= 21
    ended = events[-1]
    assert isinstance(ended, CallEnded) and ended.reason.startswith("flood: key presses")
    assert server.admission.refused["audio-flood"] == 1
