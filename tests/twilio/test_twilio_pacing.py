"""Media Streams audio is paced to real time: a stream at Twilio's pace keeps every
frame, one that floods is ended and closed with 1008 (real sockets, paced endpoint)."""

from __future__ import annotations

import asyncio

from twilio_test_support import WAIT_S, CollectingSink, track_audio
from websockets.exceptions import ConnectionClosed

from app.http_app import build_ingest_app
from ingest.audio.mulaw import encode_mulaw
from ingest.events import CallEnded
from ingest.pipeline.admission import CallAdmission
from ingest.settings import IngestSettings
from simulator.twilio_dialer import TwilioStreamDialer

SECOND = encode_mulaw(bytes(8000 * 2))  # one second of mu-law silence


async def test_a_stream_at_twilios_pace_keeps_every_frame_gaps_included(serve) -> None:
    app = await serve(paced=True)
    dialer = TwilioStreamDialer()
    await dialer.connect(f"{app.base_ws}/twilio/media", call_sid="CApaced")
    # Both tracks at real time; the caller's network loses half a second on the way.
    lost = frozenset(range(25, 50))
    await asyncio.gather(
        dialer.send_audio("inbound", SECOND * 2, realtime=True, skip_frames=lost),
        dialer.send_audio("outbound", SECOND * 2, realtime=True),
    )
    await dialer.stop()
    events = await app.sink.wait_call_ended("CApaced")
    await dialer.close()
    for speaker in ("caller", "agent"):
        audio = track_audio(events, speaker)
        assert sum(len(e.pcm) for e in audio) == 2 * 8000 * 2, f"{speaker}: every frame (gap filled)"
    assert isinstance(events[-1], CallEnded) and events[-1].reason == "stop"


async def test_a_flooding_stream_is_ended_and_closed_with_1008(serve) -> None:
    settings = IngestSettings()
    admission = CallAdmission()
    sink = CollectingSink()
    app = await serve(app=build_ingest_app(settings, sink, health=lambda: {}, admission=admission), sink=sink)
    dialer = TwilioStreamDialer()
    loop = asyncio.get_running_loop()
    opened = loop.time()
    await dialer.connect(f"{app.base_ws}/twilio/media", call_sid="CAflood")
    try:
        await dialer.send_audio("inbound", SECOND * 60)  # a minute in a moment
    except ConnectionClosed:
        pass  # closed under our feet: expected
    assert await asyncio.wait_for(dialer.wait_closed(), WAIT_S) == 1008
    lasted = loop.time() - opened
    events = await app.sink.wait_call_ended("CAflood")
    admitted_s = sum(len(e.pcm) for e in track_audio(events, "caller")) / (8000 * 2)
    burst = IngestSettings().audio_burst_s
    assert admitted_s <= burst + lasted, "the burst plus the real time that passed, no more"
    ended = events[-1]
    assert isinstance(ended, CallEnded) and ended.reason == "flood"
    # What /healthz reports: the drops and the cut-off, counted for Twilio.
    assert admission.floods_closed == {"twilio": 1}
    assert admission.audio_dropped_s["twilio"] >= settings.audio_flood_s, "the flood threshold"
    assert admission.audio_dropped_s["twilio"] + admitted_s <= 60.1, "no more than was sent"
