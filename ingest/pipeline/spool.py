"""A durable spool of utterance audio waiting for speech-to-text.

An utterance is written here before it is queued for recognition and removed
only after its segment is committed (or recognition found no words), so a
worker killed with a backlog loses nothing: on the next start
`ingest.pipeline.recovery` transcribes what the spool holds.

One file per utterance, written to a temporary name and renamed into place, so
a file is either whole or absent (a kill mid-write leaves a `.tmp` that the
next start deletes). Files are created 0600 in a 0700 folder: they hold call
audio. The page cache survives a killed process; a power cut needs the
operating system's own guarantees (see `fsync` below).
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import orjson

from ingest.audio.segmenter import SpeechSpan
from ingest.events import Speaker

log = logging.getLogger(__name__)

SUFFIX = ".utt"
_HEADER_LENGTH_BYTES = 4
_SPEAKERS = frozenset({"caller", "agent", "unknown"})


class SpoolError(ValueError):
    """A spool file that cannot be read back."""


@dataclass(frozen=True, slots=True)
class SpooledUtterance:
    path: Path
    call_id: str
    speaker: Speaker
    span: SpeechSpan


class UtteranceSpool:
    def __init__(self, directory: Path, *, fsync: bool = False) -> None:
        """`fsync` makes every write survive a power cut too, at a few ms each."""
        self.directory = directory
        self._fsync = fsync
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)

    def put(self, call_id: str, speaker: Speaker, span: SpeechSpan) -> Path:
        header = orjson.dumps(
            {
                "call_id": call_id,
                "speaker": speaker,
                "start": span.start,
                "end": span.end,
                "sample_rate": span.sample_rate,
                "voiced_end": span.voiced_end,
            }
        )
        final = self.directory / f"{uuid.uuid4().hex}{SUFFIX}"
        temporary = final.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, len(header).to_bytes(_HEADER_LENGTH_BYTES, "big") + header + span.pcm)
            if self._fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, final)
        return final

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def pending(self) -> list[SpooledUtterance]:
        """Every whole utterance in the spool, per call in spoken order, without its
        audio (`span.pcm` is empty: a long backlog would not fit in memory; the
        recognition queue reads each file again when its turn comes).
        Half-written leftovers are deleted; unreadable files are kept aside and logged."""
        for leftover in self.directory.glob("*.tmp"):
            leftover.unlink(missing_ok=True)
        found: list[SpooledUtterance] = []
        for path in self.directory.glob(f"*{SUFFIX}"):
            try:
                found.append(read_spooled(path, with_audio=False))
            except (OSError, SpoolError) as error:
                log.error("spool file %s cannot be read (%s); moved aside", path, error)
                path.rename(path.with_suffix(".bad"))
        return sorted(found, key=lambda item: (item.call_id, item.span.start, item.speaker))

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob(f"*{SUFFIX}"))


def read_spooled(path: Path, *, with_audio: bool = True) -> SpooledUtterance:
    """One spool file; without `with_audio` only its header is read (`span.pcm` empty)."""
    with path.open("rb") as file:
        prefix = file.read(_HEADER_LENGTH_BYTES)
        if len(prefix) < _HEADER_LENGTH_BYTES:
            raise SpoolError("shorter than its header length")
        length = int.from_bytes(prefix, "big")
        body = file.read(length)
        if len(body) < length:
            raise SpoolError("shorter than its header")
        pcm = file.read() if with_audio else b""
    try:
        header = orjson.loads(body)
        speaker = header["speaker"]
        if speaker not in _SPEAKERS:
            raise SpoolError(f"unknown speaker {speaker!r}")
        span = SpeechSpan(
            start=float(header["start"]),
            end=float(header["end"]),
            pcm=pcm,
            sample_rate=int(header["sample_rate"]),
            voiced_end=float(header["voiced_end"]),
        )
        return SpooledUtterance(path, str(header["call_id"]), cast(Speaker, speaker), span)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise SpoolError(f"bad header: {error}") from None
