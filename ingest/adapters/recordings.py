"""Recorded calls (WAV files) as call events, for batch import and QA backfill.

A stereo recording is agent on the left channel and caller on the right (how
MixMonitor records split legs); a mono one is both parties mixed (`unknown`).
The file is fed in one-second chunks of audio time, as fast as the pipeline
takes it: the segmenter works on audio time, so the cut is the same as live.
"""

from __future__ import annotations

import hashlib
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.events import AudioReceived, CallEnded, CallEvent, CallStarted, Speaker

CHUNK_S = 1.0


class RecordingError(ValueError):
    """A file callmon cannot import; the message names it and the problem."""


@dataclass(frozen=True, slots=True)
class Recording:
    path: Path
    call_id: str
    sample_rate: int
    channels: int
    duration: float


def inspect_recording(path: Path) -> Recording:
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate, frames = (
                wav.getnchannels(),
                wav.getsampwidth(),
                wav.getframerate(),
                wav.getnframes(),
            )
    except (wave.Error, EOFError) as error:
        raise RecordingError(f"{path}: not a readable WAV file ({error})") from None
    except OSError as error:
        raise RecordingError(f"{path}: {error.strerror or error}") from None
    if width != 2:
        raise RecordingError(
            f"{path}: {8 * width}-bit samples; callmon imports 16-bit PCM WAV "
            f"(convert with: sox {path.name} -b 16 out.wav)"
        )
    if channels not in (1, 2):
        raise RecordingError(
            f"{path}: {channels} channels; expected mono or stereo (agent left, caller right)"
        )
    digest = hashlib.sha1(path.read_bytes()).hexdigest()[:10]
    return Recording(path, f"rec-{path.stem}-{digest}", rate, channels, frames / rate if rate else 0.0)


def recording_events(recording: Recording, started_at: float | None = None) -> Iterator[CallEvent]:
    """CallStarted, the audio of each track in chunks, CallEnded."""
    metadata = {"recording_path": str(recording.path.resolve()), "channels": str(recording.channels)}
    start = CallStarted(
        recording.call_id,
        "import",
        metadata=metadata,
        **({"started_at": started_at} if started_at is not None else {}),
    )
    yield start
    speakers: tuple[Speaker, ...] = ("agent", "caller") if recording.channels == 2 else ("unknown",)
    chunk_frames = int(recording.sample_rate * CHUNK_S)
    with wave.open(str(recording.path), "rb") as wav:
        position = 0
        while True:
            raw = wav.readframes(chunk_frames)
            if not raw:
                break
            samples = np.frombuffer(raw, dtype="<i2").reshape(-1, recording.channels)
            audio_time = position / recording.sample_rate
            for channel, speaker in enumerate(speakers):
                yield AudioReceived(
                    recording.call_id,
                    speaker,
                    samples[:, channel].tobytes(),
                    recording.sample_rate,
                    audio_time,
                )
            position += samples.shape[0]
    yield CallEnded(recording.call_id, "imported", ended_at=start.started_at + recording.duration)
