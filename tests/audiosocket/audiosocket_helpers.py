"""Helpers shared by the AudioSocket tests (pytest puts this folder on sys.path)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

from ingest.events import (
    AudioReceived,
    CallEnded,
    CallErrorReported,
    CallEvent,
    CallStarted,
    DtmfReceived,
    LegEnded,
)
from simulator.audiosocket_dialer import AudioSocketDialer
from tests.support.sinks import CollectingSink

__all__ = ["WAIT_LIMIT", "CollectingSink", "raw_pcm", "summarize", "wait_closed_by_server"]

WAIT_LIMIT = 20.0  # only guards against a hung test; nothing is timed


async def wait_closed_by_server(dialer: AudioSocketDialer) -> None:
    await asyncio.wait_for(dialer.closed_by_server.wait(), WAIT_LIMIT)


def raw_pcm(wav: Path, rate: int) -> bytes:
    """The WAV converted by sox to s16le mono raw PCM at `rate`."""
    result = subprocess.run(
        [
            "sox",
            str(wav),
            "-t",
            "raw",
            "-r",
            str(rate),
            "-e",
            "signed",
            "-b",
            "16",
            "-c",
            "1",
            "-L",
            "-",
        ],
        check=True,
        capture_output=True,
    )
    return result.stdout


def summarize(event: CallEvent) -> tuple[Any, ...]:
    """An event without its wall-clock fields, for exact comparison."""
    if isinstance(event, CallStarted):
        return ("started", event.call_id, event.source)
    if isinstance(event, AudioReceived):
        return ("audio", event.speaker, len(event.pcm), event.sample_rate, event.audio_time)
    if isinstance(event, DtmfReceived):
        return ("dtmf", event.speaker, event.digit, event.audio_time)
    if isinstance(event, CallErrorReported):
        return ("error", event.code, event.description)
    if isinstance(event, LegEnded):
        return ("leg-ended", event.speaker, event.reason)
    if isinstance(event, CallEnded):
        return ("ended", event.reason)
    raise AssertionError(f"unexpected event {event!r}")
