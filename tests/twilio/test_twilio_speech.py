"""Real speech (flite) through the telephone path: sox encodes mu-law, we decode it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from twilio_test_support import track_audio

from simulator.twilio_dialer import TwilioStreamDialer


def speak_mulaw(tmp_path: Path, voice: str, text: str) -> tuple[bytes, bytes]:
    """flite speech as 8 kHz mu-law, and sox's own decode of that mu-law to s16le."""
    wav = tmp_path / f"{voice}.wav"
    mulaw = tmp_path / f"{voice}.ul"
    decoded = tmp_path / f"{voice}.s16"
    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(wav)], check=True)
    subprocess.run(
        ["sox", str(wav), "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw", str(mulaw)], check=True
    )
    subprocess.run(
        [
            "sox",
            "-t",
            "raw",
            "-r",
            "8000",
            "-c",
            "1",
            "-e",
            "mu-law",
            str(mulaw),
            "-t",
            "raw",
            "-e",
            "signed-integer",
            "-b",
            "16",
            "-L",
            str(decoded),
        ],
        check=True,
    )
    return mulaw.read_bytes(), decoded.read_bytes()


@pytest.mark.slow
async def test_flite_speech_decodes_exactly_like_sox(serve, tmp_path: Path) -> None:
    caller_mulaw, caller_pcm = speak_mulaw(tmp_path, "awb", "hello there")
    agent_mulaw, agent_pcm = speak_mulaw(tmp_path, "rms", "thank you for calling, how can I help")
    assert len(caller_mulaw) > 4000 and len(agent_mulaw) > 4000  # real speech, not an empty file

    app = await serve()
    dialer = TwilioStreamDialer()
    await dialer.connect(f"{app.base_ws}/twilio/media", call_sid="CAspeech")
    # The agent answers after the caller finished: its first frame is late, as on a real call.
    caller_end = await dialer.send_audio("inbound", caller_mulaw)
    await dialer.send_audio("outbound", agent_mulaw, start_ms=caller_end + 200)
    await dialer.stop()
    events = await app.sink.wait_call_ended("CAspeech")
    await dialer.close()

    caller = track_audio(events, "caller")
    agent = track_audio(events, "agent")
    assert b"".join(a.pcm for a in caller) == caller_pcm
    lead_in = (caller_end + 200) * 8
    agent_joined = b"".join(a.pcm for a in agent)
    assert agent_joined[: lead_in * 2] == bytes(lead_in * 2)
    assert agent_joined[lead_in * 2 :] == agent_pcm
