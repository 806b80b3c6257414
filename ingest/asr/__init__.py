"""Speech-to-text engines, chosen by `IngestSettings.asr`.

Engine modules import their heavy libraries lazily, so importing this
package costs nothing until an engine is created.
"""

from __future__ import annotations

import logging
from typing import Any

from ingest.asr.base import (
    EngineUnavailable,
    RecognitionStream,
    SpeechToText,
    StreamingRecognizer,
    StreamResult,
    UtteranceRecognizer,
)
from ingest.settings import IngestSettings, parse_decoder_options

log = logging.getLogger(__name__)

__all__ = [
    "EngineUnavailable",
    "RecognitionStream",
    "SpeechToText",
    "StreamResult",
    "StreamingRecognizer",
    "UtteranceRecognizer",
    "create_engine",
]


def create_engine(
    settings: IngestSettings, keywords: tuple[str, ...] = ()
) -> UtteranceRecognizer | StreamingRecognizer:
    """The engine `settings.asr` names; pocketsphinx when that one cannot run here.

    `keywords` (the alert configuration's keywords, passed down by the
    composition root) are boosted in whichever engine runs: pocketsphinx
    spots them, faster-whisper gets them as `hotwords`, Deepgram as `keyterm`
    or `keywords`, an OpenAI-compatible server in its prompt.

    The remote OpenAI-compatible engine never falls back: a fleet pointed at
    a GPU pool must not quietly decode on its own CPUs, so an unset URL or an
    unreachable server raises `EngineUnavailable` at start-up.

    A missing Whisper model (offline machine) or a missing Deepgram key is
    logged as one warning line and the offline engine takes over, so the
    worker always starts. A wrong Deepgram key only shows when a stream opens.
    """
    if settings.asr == "whisper":
        from ingest.asr.whisper import WhisperRecognizer  # noqa: PLC0415 (only the chosen engine loads)

        try:
            return WhisperRecognizer(
                settings.whisper_model,
                settings.whisper_device,
                settings.whisper_compute_type,
                num_workers=max(1, settings.asr_threads),
                beam_size=settings.whisper_beam_size,
                offline=settings.hf_hub_offline,
                keywords=keywords,
            )
        except EngineUnavailable as error:
            log.warning("whisper unavailable, using sphinx instead: %s", error)
    elif settings.asr == "deepgram":
        if settings.deepgram_api_key:
            from ingest.asr.deepgram import DeepgramRecognizer  # noqa: PLC0415 (only the chosen engine loads)

            return DeepgramRecognizer(
                settings.deepgram_api_key,
                model=settings.deepgram_model,
                encoding=settings.deepgram_encoding,
                base_url=settings.deepgram_url,
                keywords=keywords,
            )
        log.warning("deepgram unavailable, using sphinx instead: DEEPGRAM_API_KEY is not set")
    elif settings.asr == "openai":
        return _create_openai_engine(settings, keywords)
    elif settings.asr != "sphinx":
        raise EngineUnavailable(f"unknown speech-to-text engine {settings.asr!r}")

    from ingest.asr.sphinx import SphinxRecognizer  # noqa: PLC0415 (only the chosen engine loads)

    # Decoder options are pocketsphinx's own names; none of them is a keyword of the class.
    decoder_options: dict[str, Any] = dict(parse_decoder_options(settings.sphinx_options))
    return SphinxRecognizer(keywords=keywords, **decoder_options)


def _create_openai_engine(settings: IngestSettings, keywords: tuple[str, ...]) -> UtteranceRecognizer:
    from ingest.asr.openai_compatible import OpenAICompatibleRecognizer  # noqa: PLC0415 (chosen engine only)

    if not settings.openai_asr_url:
        raise EngineUnavailable(
            "CALLMON_ASR=openai needs CALLMON_OPENAI_ASR_URL (e.g. http://asr-pool:8000/v1)"
        )
    if settings.asr_threads < settings.openai_asr_concurrency:
        log.warning(
            "CALLMON_ASR_THREADS=%d caps requests in flight below CALLMON_OPENAI_ASR_CONCURRENCY=%d",
            settings.asr_threads,
            settings.openai_asr_concurrency,
        )
    return OpenAICompatibleRecognizer(
        settings.openai_asr_url,
        settings.openai_asr_model,
        api_key=settings.openai_asr_api_key,
        language=settings.openai_asr_language,
        prompt=settings.openai_asr_prompt,
        hotwords=keywords,
        concurrency=settings.openai_asr_concurrency,
    )
