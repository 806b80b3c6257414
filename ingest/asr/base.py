"""The speech-to-text interface: one per engine family, engines side by side.

Two shapes exist in the field and callmon supports both:

* `UtteranceRecognizer` (faster-whisper, pocketsphinx): callmon cuts audio
  into utterances by voice activity and hands each one over. `recognize()`
  blocks, so the pipeline runs it in a worker thread.
* `StreamingRecognizer` (Deepgram): the engine gets the track's audio as it
  arrives and decides itself where utterances end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import NamedTuple, Protocol, runtime_checkable

from ingest.events import Recognition


class EngineUnavailable(RuntimeError):
    """The engine cannot run here (missing model, no network, bad key)."""


@runtime_checkable
class UtteranceRecognizer(Protocol):
    name: str

    def recognize(self, pcm16k: bytes) -> Recognition:
        """Transcribe one utterance of 16 kHz s16le mono PCM (blocking)."""
        ...


class Word(NamedTuple):
    """One recognised word with the engine's confidence, times in track seconds."""

    text: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True, slots=True)
class StreamResult:
    """One result from a streaming engine, times in seconds of track audio.

    A final result is a whole utterance (the engine's end of speech), not a
    piece the engine merely stopped revising.
    """

    is_final: bool
    start: float
    end: float
    recognition: Recognition
    words: tuple[Word, ...] = ()


class RecognitionStream(Protocol):
    async def send(self, pcm: bytes) -> None:
        """Send s16le mono PCM at the rate the stream was opened with."""
        ...

    def results(self) -> AsyncIterator[StreamResult]:
        """Interim and final results until the stream is closed."""
        ...

    async def close(self) -> None:
        """Flush: finals for audio already sent still arrive on `results()`."""
        ...


@runtime_checkable
class StreamingRecognizer(Protocol):
    name: str

    async def open_stream(self, sample_rate: int) -> RecognitionStream: ...


SpeechToText = UtteranceRecognizer | StreamingRecognizer
