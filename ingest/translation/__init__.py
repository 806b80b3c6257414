"""Translation: engines behind one interface, a cache, language identification.

    translator = make_translator(TranslationSettings.from_env())
    result = await translator.translate("quiero cancelar mi cuenta", "es", "en")
    result.text if result.translated else result.marked_text

Engines: `apertium` (offline default, warm Debian pipelines, pivots),
`deepl`, `libretranslate`, `none`.
"""

from __future__ import annotations

from ingest.translation.apertium import ApertiumTranslator
from ingest.translation.base import (
    NOT_TRANSLATED,
    NoTranslator,
    PairUnavailable,
    Translation,
    TranslationFailed,
    Translator,
)
from ingest.translation.cache import CachingTranslator
from ingest.translation.deepl import DeeplTranslator
from ingest.translation.detect import LanguageDetector, detect_language
from ingest.translation.libretranslate import LibreTranslateTranslator
from ingest.translation.settings import TRANSLATORS, TranslationSettings

__all__ = [
    "NOT_TRANSLATED",
    "TRANSLATORS",
    "ApertiumTranslator",
    "CachingTranslator",
    "DeeplTranslator",
    "LanguageDetector",
    "LibreTranslateTranslator",
    "NoTranslator",
    "PairUnavailable",
    "Translation",
    "TranslationFailed",
    "TranslationSettings",
    "Translator",
    "detect_language",
    "make_engine",
    "make_translator",
]


def make_engine(settings: TranslationSettings) -> Translator:
    """The configured engine alone (no cache)."""
    http = {"timeout_s": settings.timeout_s, "retries": settings.retries}
    if settings.translator == "apertium":
        return ApertiumTranslator(
            settings.apertium_path,
            settings.apertium_modes_dir,
            settings.timeout_s,
            settings.pivot_languages,
        )
    if settings.translator == "deepl":
        assert settings.deepl_api_key is not None  # validate() insists
        return DeeplTranslator(settings.deepl_api_key, settings.deepl_url, **http)
    if settings.translator == "libretranslate":
        return LibreTranslateTranslator(settings.libretranslate_url, settings.libretranslate_api_key, **http)
    return NoTranslator()


def make_translator(settings: TranslationSettings) -> Translator:
    """The configured engine behind an LRU cache (unless CALLMON_TRANSLATE_CACHE_SIZE=0)."""
    engine = make_engine(settings)
    if settings.cache_size == 0:
        return engine
    return CachingTranslator(engine, settings.cache_size)
