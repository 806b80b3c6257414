"""Dial scripted calls into a running worker over the real wire protocols.

AudioSocket calls use the split-leg convention (one connection per party, leg
UUIDs derived from the call UUID) or one mixed stream; Twilio calls send both
tracks of one Media Stream. Frames are paced on a schedule of audio time
divided by `speed` (`speed=None`: as fast as the socket takes them).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, cast

from ingest.adapters.audiosocket_legs import leg_uuid
from ingest.audio.mulaw import encode_mulaw
from ingest.events import Speaker
from simulator.audiosocket_dialer import AudioSocketDialer
from simulator.scripts import CallScript
from simulator.timeline import CallAudio, render_call
from simulator.twilio_dialer import Track, TwilioStreamDialer

log = logging.getLogger(__name__)

Protocol = Literal["audiosocket", "audiosocket-mixed", "twilio"]
PROTOCOLS: tuple[Protocol, ...] = ("audiosocket", "twilio", "audiosocket-mixed")
FRAME_S = 0.02
PCM_FRAME = 320  # 20 ms of 8 kHz s16le
MULAW_FRAME = 160
AGENTS = ("alice", "bob", "carmen", "dmitri", "emeka", "fatima")


@dataclass(frozen=True, slots=True)
class Target:
    """Where the worker listens."""

    host: str = "127.0.0.1"
    audiosocket_port: int = 9093
    http_port: int = 8080
    auth_token: str | None = None
    public_url: str | None = None
    """The URL Twilio would sign (when the worker validates against a public URL)."""

    @property
    def media_url(self) -> str:
        return f"ws://{self.host}:{self.http_port}/twilio/media"


@dataclass(frozen=True, slots=True)
class DialedCall:
    call_id: str
    protocol: Protocol
    script: str
    duration: float
    agent: str = field(default="")


async def _paced(frames: int, speed: float | None, send: Callable[[int], Awaitable[None]]) -> None:
    """Call `send(i)` for every frame index, on the audio-time schedule."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    for index in range(frames):
        if speed is not None:
            due = started + index * FRAME_S / speed
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
        await send(index)


async def dial_audiosocket(
    audio: CallAudio,
    target: Target,
    *,
    speed: float | None = 1.0,
    split_legs: bool = True,
    call_uuid: uuid.UUID | None = None,
) -> str:
    call_uuid = call_uuid or uuid.uuid4()
    if split_legs:
        legs = {"agent": audio.agent, "caller": audio.caller}
        uuids = {speaker: leg_uuid(call_uuid, cast(Speaker, speaker)) for speaker in legs}
    else:
        legs = {"unknown": audio.mixed()}
        uuids = {"unknown": call_uuid}
    dialers = {speaker: AudioSocketDialer() for speaker in legs}
    try:
        for speaker, dialer in dialers.items():
            await dialer.connect(target.host, target.audiosocket_port, uuids[speaker])
        frames = len(audio.agent) // PCM_FRAME

        async def send(index: int) -> None:
            offset = index * PCM_FRAME
            for speaker, dialer in dialers.items():
                await dialer.send_audio(legs[speaker][offset : offset + PCM_FRAME])

        await _paced(frames, speed, send)
        for dialer in dialers.values():
            await dialer.hangup()
            # Closing with keep-alives unread would reset the connection and
            # discard audio the worker has not read yet: half-close and wait.
            await dialer.end_stream()
        for dialer in dialers.values():
            try:
                await asyncio.wait_for(dialer.closed_by_server.wait(), timeout=30)
            except TimeoutError:
                log.warning("worker did not close the AudioSocket connection after hangup")
    finally:
        for dialer in dialers.values():
            await dialer.close()
    return str(call_uuid)


async def dial_twilio(
    audio: CallAudio,
    target: Target,
    *,
    speed: float | None = 1.0,
    call_sid: str | None = None,
    parameters: dict[str, str] | None = None,
) -> str:
    call_sid = call_sid or "CA" + uuid.uuid4().hex
    tracks = {"inbound": encode_mulaw(audio.caller), "outbound": encode_mulaw(audio.agent)}
    dialer = TwilioStreamDialer()
    signed = f"{target.public_url.rstrip('/')}/twilio/media" if target.public_url else None
    await dialer.connect(
        target.media_url,
        call_sid=call_sid,
        custom_parameters=parameters or {},
        auth_token=target.auth_token,
        signed_url=signed,
    )
    try:
        frames = len(tracks["inbound"]) // MULAW_FRAME

        async def send(index: int) -> None:
            offset = index * MULAW_FRAME
            for track, mulaw in tracks.items():
                await dialer.send_media(cast(Track, track), mulaw[offset : offset + MULAW_FRAME], index * 20)

        await _paced(frames, speed, send)
        await dialer.stop()
    finally:
        await dialer.close()
    return call_sid


async def dial(
    script: CallScript,
    protocol: Protocol,
    target: Target,
    *,
    speed: float | None = 1.0,
    agent: str | None = None,
) -> DialedCall:
    audio = await asyncio.to_thread(render_call, script)
    agent = agent or random.choice(AGENTS)
    if protocol == "twilio":
        call_id = await dial_twilio(
            audio,
            target,
            speed=speed,
            parameters={
                "script": script.name,
                "agent": agent,
                "from": "+15550100" + str(random.randint(100, 999)),
            },
        )
    else:
        call_id = await dial_audiosocket(audio, target, speed=speed, split_legs=protocol == "audiosocket")
    return DialedCall(call_id, protocol, script.name, audio.duration, agent)


async def run_simulation(
    target: Target,
    scripts: Sequence[CallScript],
    *,
    calls: int | None,
    concurrency: int = 2,
    speed: float | None = 1.0,
    protocols: Iterable[Protocol] = PROTOCOLS,
    on_dialed: Callable[[DialedCall], None] | None = None,
    stagger_s: float = 3.0,
) -> list[DialedCall]:
    """Dial `calls` calls (None: forever), `concurrency` at a time, cycling scripts and protocols."""
    endless = zip(itertools.cycle(scripts), itertools.cycle(list(protocols)), strict=False)
    plan: Iterator[tuple[CallScript, Protocol]] = (
        endless if calls is None else itertools.islice(endless, calls)
    )
    dialed: list[DialedCall] = []

    async def one(number: int, script: CallScript, protocol: Protocol) -> None:
        if speed is not None and number < concurrency:
            await asyncio.sleep(number * stagger_s / speed)  # don't start every call at once
        try:
            call = await dial(script, protocol, target, speed=speed)
        except Exception as error:
            log.error("simulated %s call (%s) failed: %s", protocol, script.name, error)
            await asyncio.sleep(1.0)
            return
        dialed.append(call)
        if on_dialed is not None:
            on_dialed(call)

    running: set[asyncio.Task[None]] = set()
    try:
        for number, (script, protocol) in enumerate(plan):
            while len(running) >= concurrency:
                finished, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    task.result()
            running.add(asyncio.ensure_future(one(number, script, protocol)))
        if running:
            await asyncio.gather(*running)
    finally:
        for task in running:
            task.cancel()  # the simulation was stopped: hang up the calls in progress
        await asyncio.gather(*running, return_exceptions=True)
    return dialed
