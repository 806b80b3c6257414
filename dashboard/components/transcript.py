"""Transcript lines: speaker badge, time, score, text with keywords and profanity
marked, and for foreign-language lines the English translation side by side with
the original. Every string is set as text, never as HTML."""

from __future__ import annotations

import re
from collections.abc import Iterable

from nicegui import ui
from nicegui.elements.mixins.text_element import TextElement

from dashboard.style import SPEAKER_CLASSES, format_clock, format_score, sentiment_classes
from ingest.events import TranscriptSegment

MARK_CLASSES = {
    "keyword": "bg-yellow-200 font-semibold rounded px-0.5",
    "profanity": "bg-red-200 text-red-900 font-semibold rounded px-0.5",
}


class Span(TextElement):
    """Inline text (`ui.label` is a block)."""

    def __init__(self, text: str = "") -> None:
        super().__init__(tag="span", text=text)


def highlight_chunks(
    text: str, keywords: Iterable[str], profanity: Iterable[str]
) -> list[tuple[str, str | None]]:
    """Split `text` into (chunk, kind) with kind "keyword", "profanity" or None,
    matching whole words case-insensitively (as the worker spotted them)."""
    kinds = {word.lower(): "profanity" for word in profanity if word}
    kinds.update({word.lower(): "keyword" for word in keywords if word and word.lower() not in kinds})
    if not kinds:
        return [(text, None)] if text else []
    words = sorted(kinds, key=len, reverse=True)  # longest first: "cancel my account" before "cancel"
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
    chunks: list[tuple[str, str | None]] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            chunks.append((text[position : match.start()], None))
        chunks.append((match.group(0), kinds[match.group(0).lower()]))
        position = match.end()
    if position < len(text):
        chunks.append((text[position:], None))
    return chunks


def transcript_line(segment: TranscriptSegment) -> ui.element:
    """One segment as a row of the transcript."""
    speaker = segment.speaker
    score = segment.sentiment_score
    with (
        ui.row()
        .classes("w-full no-wrap items-start gap-2 py-1")
        .props(f'data-testid="transcript-line" data-speaker="{speaker}"') as row
    ):
        ui.label(speaker).classes(f"text-white text-xs px-2 rounded {SPEAKER_CLASSES.get(speaker, '')}")
        ui.label(format_clock(segment.start)).classes("text-xs text-gray-500 font-mono w-10")
        if not segment.transcribed:
            # Speech in a language the engine has no model for: say why there is no text.
            ui.label("—").classes("text-xs font-mono px-1")
            ui.label(f"not transcribed: {segment.not_transcribed}").classes(
                "text-sm italic text-gray-500 grow"
            ).props('data-testid="not-transcribed"')
            return row
        ui.label(format_score(score)).classes(f"text-xs font-mono px-1 rounded {sentiment_classes(score)}")
        columns = "grid-cols-2" if segment.translation else "grid-cols-1"
        with ui.element("div").classes(f"grid {columns} gap-3 grow"):
            with ui.element("div").classes("text-sm").props('data-testid="line-text"'):
                if segment.translation and segment.language:
                    Span(f"{segment.language} ").classes("text-xs text-gray-400 font-mono")
                for chunk, kind in highlight_chunks(segment.text, segment.keywords, segment.profanity):
                    span = Span(chunk)
                    if kind:
                        span.classes(MARK_CLASSES[kind]).props(f'data-mark="{kind}"')
            if segment.translation:
                ui.label(segment.translation).classes("text-sm italic text-gray-700 border-l pl-3").props(
                    'data-testid="translation"'
                )
    return row
