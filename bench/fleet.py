"""A fleet of simulated Twilio calls, sent from a separate process.

One pacing loop sends every call's two 20 ms frames per tick (a timer per
call would cost more than the worker being measured). The audio is the
bundled scripts spoken by flite, each call starting at a different offset so
speech and silence are spread over calls as in a real floor.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import uuid

from ingest.audio.mulaw import encode_mulaw
from ingest.simulate.scripts import bundled_scripts
from ingest.simulate.timeline import render_call
from ingest.simulate.twilio_dialer import TwilioStreamDialer

FRAME = 160


def call_tracks() -> list[tuple[bytes, bytes]]:
    """(inbound caller, outbound agent) mu-law for each bundled script."""
    result = []
    for script in bundled_scripts():
        audio = render_call(script)
        result.append((encode_mulaw(audio.caller), encode_mulaw(audio.agent)))
    return result


async def _run_fleet(url: str, calls: int, seconds: float, ramp_s: float, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    tracks = call_tracks()
    dialers: list[tuple[TwilioStreamDialer, bytes, bytes, int]] = []
    for _ in range(calls):
        dialer = TwilioStreamDialer()
        await dialer.connect(url, call_sid="CA" + uuid.uuid4().hex)
        inbound, outbound = rng.choice(tracks)
        offset = rng.randrange(0, len(inbound) // FRAME) * FRAME
        dialers.append((dialer, inbound, outbound, offset))
        await asyncio.sleep(ramp_s / max(1, calls))
    loop = asyncio.get_running_loop()
    started = loop.time()
    ticks = int(seconds / 0.02)
    late_ticks = 0
    for tick in range(ticks):
        due = started + tick * 0.02
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.02:
            late_ticks += 1
        for dialer, inbound, outbound, offset in dialers:
            position = (offset + tick * FRAME) % (len(inbound) - FRAME)
            await dialer.send_media("inbound", inbound[position:position + FRAME], tick * 20)
            await dialer.send_media("outbound", outbound[position:position + FRAME], tick * 20)
    for dialer, *_ in dialers:
        await dialer.stop()
        await dialer.close()
    return {"sender_late_ticks": late_ticks, "ticks": ticks}


def _fleet_process(url: str, calls: int, seconds: float, ramp_s: float, seed: int, out: "multiprocessing.Queue[dict[str, float]]") -> None:
    out.put(asyncio.run(_run_fleet(url, calls, seconds, ramp_s, seed)))


async def run_fleet(url: str, calls: int, seconds: float, *, ramp_s: float = 2.0, processes: int = 1) -> dict[str, float]:
    """Run `calls` calls for `seconds` of audio in `processes` sender processes."""
    ctx = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[dict[str, float]] = ctx.Queue()
    shares = [calls // processes + (1 if i < calls % processes else 0) for i in range(processes)]
    workers = [ctx.Process(target=_fleet_process, args=(url, n, seconds, ramp_s, i, out), daemon=True)
               for i, n in enumerate(shares) if n]
    for worker in workers:
        worker.start()
    results = [await asyncio.to_thread(out.get) for _ in workers]
    for worker in workers:
        await asyncio.to_thread(worker.join)
    return {"sender_late_ticks": sum(r["sender_late_ticks"] for r in results),
            "ticks": sum(r["ticks"] for r in results)}
