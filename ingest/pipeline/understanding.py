"""From recognised text to what we know about it: language, translation, analysis.

Non-English speech is translated into the supervisors' language and scored on
that translation (VADER and the keyword lists are English), so foreign-language
calls get sentiment and alerts too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.analysis import TextAnalysis, analyse_text

if TYPE_CHECKING:
    from ingest.translation import LanguageDetector, Translator

log = logging.getLogger(__name__)
ANALYSIS_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Understanding:
    language: str | None
    translation: str | None
    analysis: TextAnalysis
    english: str
    """The text the analysis read: the words, or their English translation."""


async def understand(
    text: str,
    language: str | None,
    *,
    translator: Translator | None,
    detector: LanguageDetector | None,
    home_language: str = ANALYSIS_LANGUAGE,
) -> Understanding:
    """Detect the language when the engine did not say, translate when it is not
    the supervisors' language, and analyse the English text."""
    if language is None and detector is not None:
        language = detector.detect(text)
    translation = None
    if translator is not None and language and language != home_language:
        translation = await _translate(translator, text, language, home_language)
    english = text
    if language and language != ANALYSIS_LANGUAGE and translator is not None:
        if home_language == ANALYSIS_LANGUAGE:
            english = translation or text
        else:
            english = await _translate(translator, text, language, ANALYSIS_LANGUAGE) or text
    return Understanding(language, translation, analyse_text(english), english)


async def _translate(translator: Translator, text: str, source: str, target: str) -> str | None:
    result = await translator.translate(text, source, target)
    return result.text if result.translated else None
