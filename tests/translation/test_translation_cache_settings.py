"""The LRU cache, settings from the environment, and the engine choice."""

from __future__ import annotations

import pytest
from fake_translation_services import FakeLibreTranslate

from ingest.settings import SettingsError
from ingest.translation import (
    ApertiumTranslator,
    CachingTranslator,
    LibreTranslateTranslator,
    NoTranslator,
    TranslationSettings,
    make_engine,
    make_translator,
)


async def test_cache_answers_repeats_and_evicts_oldest(fake_libretranslate: FakeLibreTranslate) -> None:
    inner = LibreTranslateTranslator(fake_libretranslate.url, "test-key")
    cache = CachingTranslator(inner, max_entries=2)
    await cache.translate("i want to cancel my account", "en", "es")
    await cache.translate("one moment please", "en", "es")
    await cache.translate("i want to cancel my account", "en", "es")
    assert (cache.hits, len(fake_libretranslate.requests)) == (1, 2)
    await cache.translate("quiero cancelar mi cuenta", "es", "en")  # evicts "one moment please"
    await cache.translate("one moment please", "en", "es")
    await cache.close()
    assert len(fake_libretranslate.requests) == 4 and len(cache) == 2


async def test_cache_does_not_keep_failures(fake_libretranslate: FakeLibreTranslate) -> None:
    fake_libretranslate.fail_with = [500]
    cache = CachingTranslator(LibreTranslateTranslator(fake_libretranslate.url, "test-key", retries=0), 10)
    failed = await cache.translate("one moment please", "en", "es")
    later = await cache.translate("one moment please", "en", "es")
    await cache.close()
    assert not failed.translated and later.translated and len(cache) == 1


async def test_apertium_cached_repeat_needs_no_pipeline() -> None:
    translator = make_translator(TranslationSettings())
    assert isinstance(translator, CachingTranslator)
    first = await translator.translate("can i speak to your supervisor please", "en", "es")
    second = await translator.translate("can i speak to your supervisor please", "en", "es")
    await translator.close()
    assert first.translated and second is first and translator.hits == 1


def test_settings_from_env() -> None:
    settings = TranslationSettings.from_env(
        {
            "CALLMON_TRANSLATOR": "libretranslate",
            "CALLMON_LIBRETRANSLATE_URL": "http://127.0.0.1:5000",
            "CALLMON_AGENT_LANGUAGE": "es",
            "CALLMON_DETECT_LANGUAGES": "en, spa,deu",
            "CALLMON_TRANSLATE_TIMEOUT_S": "1.5",
            "CALLMON_TRANSLATE_CACHE_SIZE": "0",
        }
    )
    assert settings.agent_language == "es" and settings.supervisor_language == "en"
    assert settings.detect_languages == ("en", "es", "de") and settings.timeout_s == 1.5
    engine = make_translator(settings)
    assert isinstance(engine, LibreTranslateTranslator)  # cache size 0: no cache


def test_engine_choice() -> None:
    assert isinstance(make_engine(TranslationSettings()), ApertiumTranslator)
    assert isinstance(make_engine(TranslationSettings(translator="none")), NoTranslator)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"CALLMON_TRANSLATOR": "babelfish"}, "CALLMON_TRANSLATOR='babelfish'"),
        ({"CALLMON_TRANSLATOR": "deepl"}, "DEEPL_API_KEY"),
        ({"CALLMON_TRANSLATE_TIMEOUT_S": "soon"}, "CALLMON_TRANSLATE_TIMEOUT_S"),
        ({"CALLMON_AGENT_LANGUAGE": "spa"}, "ISO 639-1"),
    ],
)
def test_bad_settings_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        TranslationSettings.from_env(env)


async def test_none_engine_marks_everything() -> None:
    translator = make_translator(TranslationSettings(translator="none"))
    result = await translator.translate("quiero cancelar", "es", "en")
    assert not result.translated and result.marked_text == "[not translated] quiero cancelar"
    assert await translator.pairs() == set()
