"""Spoken calls over real sockets end up analysed in SQLite (offline engine)."""

from __future__ import annotations

import asyncio

from e2e_support import wait_for_end

from app.worker import IngestWorker
from simulator.audiosocket_dialer import AudioSocketDialer
from simulator.dialing import Target, dial_audiosocket, dial_twilio
from simulator.scripts import find_script
from simulator.timeline import render_call


def _words(text: str) -> set[str]:
    return set(text.lower().split())


async def test_audiosocket_split_legs_call_is_transcribed_and_scored(
    worker: IngestWorker, target: Target
) -> None:
    audio = render_call(find_script("cancel_escalation"))
    call_id = await dial_audiosocket(audio, target, speed=None, split_legs=True)

    summary = await wait_for_end(worker.store, call_id)
    segments = await worker.store.list_segments(call_id)

    assert summary.source == "audiosocket"
    assert summary.ended_at is not None and summary.duration is not None
    assert 0 <= summary.duration < audio.duration + 30
    assert {s.speaker for s in segments} == {"agent", "caller"}
    cancel = [s for s in segments if {"cancel", "account"} <= _words(s.text)]
    assert cancel, [s.text for s in segments]
    assert cancel[0].speaker == "caller"
    assert "cancel" in cancel[0].keywords
    assert cancel[0].sentiment_label == "negative" and cancel[0].sentiment_score < 0
    supervisor = [s for s in segments if "supervisor" in _words(s.text) and s.speaker == "caller"]
    assert supervisor and "supervisor" in supervisor[0].keywords, [(s.speaker, s.text) for s in segments]
    assert summary.segment_count == len(segments)
    assert summary.negative_count >= 2


async def test_twilio_both_tracks_call_has_speakers_from_tracks(worker: IngestWorker, target: Target) -> None:
    audio = render_call(find_script("legal_threat"))
    call_id = await dial_twilio(audio, target, speed=None, parameters={"agent": "alice"})

    summary = await wait_for_end(worker.store, call_id)
    segments = await worker.store.list_segments(call_id)

    assert summary.source == "twilio"
    assert summary.metadata.get("agent") == "alice" and summary.agent == "alice"
    caller_text = " ".join(s.text for s in segments if s.speaker == "caller")
    agent_text = " ".join(s.text for s in segments if s.speaker == "agent")
    assert {"sue", "lawyer"} & _words(caller_text), caller_text
    assert "recorded" in _words(agent_text), agent_text
    assert not ({"sue", "lawyer"} & _words(agent_text))
    threat = [s for s in segments if {"sue", "lawyer"} & _words(s.text)]
    assert any(set(s.keywords) & {"sue", "lawyer", "legal"} for s in threat)


async def test_good_call_is_stored_while_a_broken_peer_is_cut_off(
    worker: IngestWorker, target: Target
) -> None:
    audio = render_call(find_script("profanity"))
    good = asyncio.ensure_future(dial_twilio(audio, target, speed=4.0))
    broken = AudioSocketDialer()
    await broken.connect("127.0.0.1", worker.audiosocket_port, None)
    await broken.send_raw(b"\x42garbage that is no AudioSocket frame" * 50)
    await asyncio.wait_for(broken.closed_by_server.wait(), 30)
    await broken.close()

    call_id = await good
    summary = await wait_for_end(worker.store, call_id)
    segments = await worker.store.list_segments(call_id)
    assert summary.segment_count == len(segments) >= 4
    assert any(s.profanity for s in segments), [s.text for s in segments]
