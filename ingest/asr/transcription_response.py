"""Pure helpers for the OpenAI-compatible transcription API: the WAV that goes
up and the `Recognition` made from the JSON that comes back.

Servers differ in what verbose_json carries: OpenAI sends `segments` (with
Whisper's `avg_logprob`, `no_speech_prob`, `compression_ratio`) and, when
asked, `words` with times only; speaches adds a `probability` per word; some
send neither. Confidence comes from the best of these that is present.
"""

from __future__ import annotations

import io
import math
import wave
from collections.abc import Mapping, Sequence
from typing import Any

from ingest.asr.whisper import HIGH_COMPRESSION_RATIO, LOW_AVG_LOGPROB, NO_SPEECH_PROB
from ingest.asr.whisper_languages import language_code
from ingest.events import Recognition, WordConfidence

UNREPORTED_CONFIDENCE = 1.0
"""Confidence when the server reports none (plain `json`, `text`): the alert
engine's low-confidence filter must not silence a server that is simply terse."""


class MalformedResponse(ValueError):
    """The server answered 200 with something that is not a transcription."""


def wav_from_pcm(pcm: bytes, sample_rate: int = 16000) -> bytes:
    """s16le mono PCM in a RIFF/WAVE container, the upload every server accepts."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(pcm)
    return buffer.getvalue()


def recognition_from_response(payload: Any, language: str | None = None) -> Recognition:
    """`payload` (a `json` or `verbose_json` body) as a `Recognition`.

    Segments that look like Whisper hallucinations on silence are dropped, as
    the local Whisper engine does. `language` is what was asked for; the
    server's detected language wins when it reports one.
    """
    if not isinstance(payload, Mapping) or not isinstance(payload.get("text"), str):
        raise MalformedResponse(f"no 'text' in the transcription response: {str(payload)[:200]!r}")
    detected = language_code(payload.get("language")) or language
    segments = _mappings(payload.get("segments"))
    words = _mappings(payload.get("words"))
    if segments:
        kept = [segment for segment in segments if not _is_hallucination(segment)]
        text = " ".join(str(segment.get("text", "")).strip() for segment in kept).strip()
        words = [word for word in words if _inside_any(word, kept)]
    else:
        kept = []
        text = payload["text"].strip()
    if not text:
        return Recognition(text="", confidence=0.0, language=language)
    confidence = _word_confidence(words)
    if confidence is None:
        confidence = _segment_confidence(kept)
    if confidence is None:
        confidence = UNREPORTED_CONFIDENCE
    return Recognition(
        text=text, confidence=round(confidence, 3), language=detected, words=_word_confidences(words)
    )


def _mappings(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _number(item: Mapping[str, Any], key: str) -> float | None:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _is_hallucination(segment: Mapping[str, Any]) -> bool:
    no_speech = _number(segment, "no_speech_prob")
    avg_logprob = _number(segment, "avg_logprob")
    compression = _number(segment, "compression_ratio")
    silent = (
        no_speech is not None
        and avg_logprob is not None
        and no_speech > NO_SPEECH_PROB
        and avg_logprob < LOW_AVG_LOGPROB
    )
    repetitive = compression is not None and compression > HIGH_COMPRESSION_RATIO
    return silent or repetitive


def _inside_any(word: Mapping[str, Any], segments: Sequence[Mapping[str, Any]]) -> bool:
    start, end = _number(word, "start"), _number(word, "end")
    if start is None or end is None:
        return True
    middle = (start + end) / 2
    for segment in segments:
        seg_start, seg_end = _number(segment, "start"), _number(segment, "end")
        if seg_start is None or seg_end is None or seg_start <= middle <= seg_end:
            return True
    return False


def _word_confidences(words: Sequence[Mapping[str, Any]]) -> tuple[WordConfidence, ...]:
    """Words with a `probability` (speaches); OpenAI's words carry times only,
    and a word without a confidence is left to the segment's."""
    found = []
    for word in words:
        text, probability = word.get("word"), _number(word, "probability")
        if isinstance(text, str) and text.strip() and probability is not None:
            start, end = _number(word, "start") or 0.0, _number(word, "end") or 0.0
            found.append(WordConfidence(text.strip(), round(_clamp(probability), 3), start, end))
    return tuple(found)


def _word_confidence(words: Sequence[Mapping[str, Any]]) -> float | None:
    probabilities = [p for word in words if (p := _number(word, "probability")) is not None]
    if not probabilities:
        return None
    return _clamp(sum(probabilities) / len(probabilities))


def _segment_confidence(segments: Sequence[Mapping[str, Any]]) -> float | None:
    """exp(average token log-probability), weighted by segment length."""
    weighted: list[tuple[float, float]] = []
    for segment in segments:
        avg_logprob = _number(segment, "avg_logprob")
        if avg_logprob is None:
            continue
        start, end = _number(segment, "start") or 0.0, _number(segment, "end") or 0.0
        weighted.append((avg_logprob, max(end - start, 0.01)))
    if not weighted:
        return None
    total = sum(weight for _, weight in weighted)
    return _clamp(math.exp(sum(value * weight for value, weight in weighted) / total))


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))
