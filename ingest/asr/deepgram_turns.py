"""Deepgram's end of speech: `is_final` pieces joined into one utterance.

Deepgram sends `is_final: true` whenever a stretch of text becomes stable,
which happens in the middle of continuous speech too. The utterance ends with
`speech_final: true` (after the endpointing silence) or with an
`UtteranceEnd` message (words stopped but the line never went quiet, e.g.
background noise). A segment is every `is_final` piece up to that end.
`UtteranceEnd` can also follow a `speech_final` that already closed the
turn; with nothing pending it is a no-op. Pure: no I/O, easy to test.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.asr.base import StreamResult, Word
from ingest.events import Recognition, WordConfidence


@dataclass(frozen=True, slots=True)
class Piece:
    """One `Results` message's best alternative, times in track seconds."""

    start: float
    end: float
    text: str
    confidence: float
    language: str
    words: tuple[Word, ...] = ()


class TurnAssembler:
    """Collects final pieces until Deepgram says the speaker stopped."""

    def __init__(self) -> None:
        self._pieces: list[Piece] = []

    @property
    def pending(self) -> bool:
        return bool(self._pieces)

    def on_results(self, piece: Piece, *, is_final: bool, speech_final: bool) -> list[StreamResult]:
        """What to emit for one `Results`: an interim view of the turn, or the closed turn."""
        if is_final:
            if piece.text:
                self._pieces.append(piece)
            if speech_final:
                return self.flush()
            # The live view keeps showing the whole turn so far, not only the newest piece.
            return [self._joined(self._pieces, is_final=False)] if self._pieces else []
        if not piece.text:
            return []
        return [self._joined([*self._pieces, piece], is_final=False)]

    def on_utterance_end(self) -> list[StreamResult]:
        return self.flush()

    def flush(self) -> list[StreamResult]:
        """Close the turn with what is stable (end of stream, lost socket, end of speech)."""
        pieces, self._pieces = self._pieces, []
        return [self._joined(pieces, is_final=True)] if pieces else []

    @staticmethod
    def _joined(pieces: list[Piece], *, is_final: bool) -> StreamResult:
        words = tuple(word for piece in pieces for word in piece.words)
        return StreamResult(
            is_final=is_final,
            start=pieces[0].start,
            end=pieces[-1].end,
            recognition=Recognition(
                text=" ".join(piece.text for piece in pieces),
                confidence=_confidence(pieces, words),
                language=pieces[0].language,
                # The segment keeps each word's confidence, timed from the turn's start.
                words=tuple(
                    WordConfidence(
                        word.text,
                        round(word.confidence, 3),
                        round(word.start - pieces[0].start, 2),
                        round(word.end - pieces[0].start, 2),
                    )
                    for word in words
                ),
            ),
            words=words,
        )


def _confidence(pieces: list[Piece], words: tuple[Word, ...]) -> float:
    """Mean word confidence when Deepgram gave words, else pieces weighted by length."""
    if words:
        return sum(word.confidence for word in words) / len(words)
    total = sum(max(piece.end - piece.start, 0.0) for piece in pieces)
    if total <= 0:
        return sum(piece.confidence for piece in pieces) / len(pieces)
    return sum(piece.confidence * max(piece.end - piece.start, 0.0) for piece in pieces) / total
