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


def no_model_for(language: str) -> Recognition:
    """What an engine answers for speech in a language it has no model for:
    no text rather than garbage decoded with the wrong language's model."""
    return Recognition(text="", confidence=0.0, language=language, not_transcribed=f"no model for {language}")


def base_language(language: str) -> str:
    """ "en" for "en-GB", "en_us", "EN": engines' models are per base language."""
    return language.replace("_", "-").split("-", 1)[0].lower()


class EngineUnavailable(RuntimeError):
    """The engine cannot run here (missing model, no network, bad key)."""


@runtime_checkable
class UtteranceRecognizer(Protocol):
    name: str

    def recognize(self, pcm16k: bytes, language: str | None = None) -> Recognition:
        """Transcribe one utterance of 16 kHz s16le mono PCM (blocking).

        `language` (ISO 639-1) is the call's language when known; None lets
        an engine that can detect it. An engine with no model for `language`
        returns `no_model_for(language)` instead of guessing.
        """
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

    async def open_stream(self, sample_rate: int, language: str | None = None) -> RecognitionStream: ...


SpeechToText = UtteranceRecognizer | StreamingRecognizer
