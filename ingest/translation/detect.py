"""Language identification with lingua, for calls whose language is unknown.

Restricting lingua to the few languages a call centre serves makes it both
faster and more accurate. It answers None rather than guess when the text is
too short or too ambiguous ("ok", "si"). lingua's models ship in its wheel
(`pip install lingua-language-detector`); they load on first use (~1 s) or
at once with `warm=True`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from ingest.translation.languages import to_iso1

DEFAULT_CANDIDATES = ("en", "es", "fr", "de", "it", "pt")
_LETTERS = re.compile(r"\w", re.UNICODE)


class LanguageDetector:
    def __init__(
        self,
        candidates: Iterable[str] = DEFAULT_CANDIDATES,
        *,
        min_relative_distance: float = 0.25,
        min_letters: int = 4,
        warm: bool = False,
    ) -> None:
        try:
            # lingua loads its language models on import: only when detection is on.
            from lingua import IsoCode639_1, LanguageDetectorBuilder  # noqa: PLC0415 (see above)
        except ImportError as error:
            raise RuntimeError(
                f"language detection needs lingua ({error}); pip install lingua-language-detector"
            ) from error
        codes = sorted({to_iso1(code) for code in candidates})
        try:
            isos = [IsoCode639_1.from_str(code) for code in codes]
        except ValueError as error:
            raise ValueError(f"lingua does not know one of {codes}: {error}") from error
        if len(isos) < 2:
            raise ValueError(f"detection needs at least two candidate languages, got {codes}")
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*isos)
        builder = builder.with_minimum_relative_distance(min_relative_distance)
        if warm:
            builder = builder.with_preloaded_language_models()
        self._detector: Any = builder.build()
        self.candidates = tuple(codes)
        self.min_letters = min_letters

    def detect(self, text: str) -> str | None:
        """The ISO 639-1 code of `text`'s language, or None when unsure."""
        if len(_LETTERS.findall(text)) < self.min_letters:
            return None
        language = self._detector.detect_language_of(text)
        return None if language is None else language.iso_code_639_1.name.lower()


@functools.lru_cache(maxsize=8)
def _detector_for(candidates: tuple[str, ...]) -> LanguageDetector:
    return LanguageDetector(candidates)


def detect_language(text: str, candidates: Iterable[str] = DEFAULT_CANDIDATES) -> str | None:
    """The ISO 639-1 code of `text` among `candidates`, or None when unsure.

    Blocking CPU work (well under a millisecond per sentence once warm); one
    detector per candidate set is built and kept.
    """
    return _detector_for(tuple(sorted({to_iso1(code) for code in candidates}))).detect(text)
