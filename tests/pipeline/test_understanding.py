"""Foreign-language speech is translated for supervisors and scored on the English."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ingest.pipeline.understanding import understand
from ingest.translation import LanguageDetector, TranslationSettings, make_translator


@pytest.fixture
async def translator() -> AsyncIterator[object]:
    engine = make_translator(TranslationSettings(translator="apertium"))
    yield engine
    await engine.close()


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(("en", "es", "de"))


async def test_spanish_is_translated_and_scored_on_the_translation(translator, detector) -> None:
    result = await understand(
        "quiero cancelar mi cuenta ahora mismo", None, translator=translator, detector=detector
    )
    assert result.language == "es"
    assert result.translation is not None and "cancel" in result.translation.lower()
    assert "cancel" in result.analysis.keywords
    assert result.analysis.sentiment.label == "negative"


async def test_english_is_left_alone(translator, detector) -> None:
    result = await understand(
        "thank you that was very helpful", "en", translator=translator, detector=detector
    )
    assert result.language == "en" and result.translation is None
    assert result.analysis.sentiment.label == "positive"


async def test_unavailable_pair_keeps_the_original_without_failing(translator, detector) -> None:
    result = await understand(
        "ich möchte mein Konto kündigen", "de", translator=translator, detector=detector
    )
    assert result.language == "de"
    assert result.translation is None  # no German pair installed: not translated, not an error
    assert result.analysis.keywords == ()  # scored on the untranslated text, which has no English keyword


async def test_no_translator_still_detects_and_analyses(detector) -> None:
    result = await understand("quiero cancelar mi cuenta", None, translator=None, detector=detector)
    assert result.language == "es" and result.translation is None
