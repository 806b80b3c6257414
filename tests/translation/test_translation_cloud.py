"""The real DeepL and LibreTranslate clients against local fakes of their wire protocols."""

from __future__ import annotations

from fake_translation_services import FakeDeepl, FakeLibreTranslate

from ingest.translation import (
    CachingTranslator,
    DeeplTranslator,
    LibreTranslateTranslator,
    TranslationSettings,
    make_translator,
)


def deepl(server: FakeDeepl, key: str = "test-key", **options: object) -> DeeplTranslator:
    return DeeplTranslator(key, server.url, backoff_s=0.01, **options)  # type: ignore[arg-type]


async def test_deepl_translates_with_its_auth_header(fake_deepl: FakeDeepl) -> None:
    translator = deepl(fake_deepl)
    result = await translator.translate("quiero cancelar mi cuenta", "es", "en")
    await translator.close()
    assert result.translated and result.engine == "deepl"
    assert result.text == "I want to cancel my account"
    request = fake_deepl.requests[0]
    assert request["headers"]["Authorization"] == "DeepL-Auth-Key test-key"
    # English targets must name a variant: DeepL rejects the deprecated plain "EN".
    assert request["body"] == {
        "text": ["quiero cancelar mi cuenta"],
        "source_lang": "ES",
        "target_lang": "EN-US",
    }


async def test_deepl_wrong_key_is_marked_and_not_retried(fake_deepl: FakeDeepl) -> None:
    translator = deepl(fake_deepl, key="wrong")
    result = await translator.translate("quiero cancelar mi cuenta", "es", "en")
    await translator.close()
    assert not result.translated and result.text == "quiero cancelar mi cuenta"
    assert "403" in (result.reason or "") and "Wrong endpoint or key" in (result.reason or "")
    assert len(fake_deepl.requests) == 1


async def test_deepl_retries_429_and_5xx_then_succeeds(fake_deepl: FakeDeepl) -> None:
    fake_deepl.fail_with = [429, 503]
    translator = deepl(fake_deepl, retries=2)
    result = await translator.translate("one moment please", "en", "es")
    await translator.close()
    assert result.translated and result.text == "un momento por favor"
    assert len(fake_deepl.requests) == 3


async def test_deepl_gives_up_after_retries(fake_deepl: FakeDeepl) -> None:
    fake_deepl.fail_with = [500, 500, 500, 500]
    translator = deepl(fake_deepl, retries=2)
    result = await translator.translate("one moment please", "en", "es")
    await translator.close()
    assert not result.translated and "HTTP 500" in (result.reason or "")
    assert len(fake_deepl.requests) == 3


async def test_deepl_timeout_is_marked(fake_deepl: FakeDeepl) -> None:
    fake_deepl.delay_s = 2.0
    translator = deepl(fake_deepl, timeout_s=0.2, retries=1)
    result = await translator.translate("one moment please", "en", "es")
    await translator.close()
    assert not result.translated and "in time" in (result.reason or "")
    assert len(fake_deepl.requests) == 2


async def test_deepl_pairs_from_languages_endpoint(fake_deepl: FakeDeepl) -> None:
    translator = deepl(fake_deepl)
    pairs = await translator.pairs()
    await translator.close()
    assert {("es", "en"), ("en", "es"), ("de", "en")} <= pairs
    assert ("en", "en") not in pairs


async def test_deepl_chosen_by_settings(fake_deepl: FakeDeepl) -> None:
    settings = TranslationSettings.from_env(
        {"CALLMON_TRANSLATOR": "deepl", "DEEPL_API_KEY": "test-key", "CALLMON_DEEPL_URL": fake_deepl.url}
    )
    translator = make_translator(settings)
    assert isinstance(translator, CachingTranslator) and translator.name == "deepl"
    first = await translator.translate("quiero cancelar mi cuenta", "es", "en")
    again = await translator.translate(" quiero  cancelar mi cuenta", "spa", "eng")
    await translator.close()
    assert first.text == "I want to cancel my account"
    assert len(fake_deepl.requests) == 1 and translator.hits == 1 and again.text == first.text


def libre(
    server: FakeLibreTranslate, key: str | None = "test-key", **options: object
) -> LibreTranslateTranslator:
    return LibreTranslateTranslator(server.url, key, backoff_s=0.01, **options)  # type: ignore[arg-type]


async def test_libretranslate_translates_with_api_key(fake_libretranslate: FakeLibreTranslate) -> None:
    translator = libre(fake_libretranslate)
    result = await translator.translate("Ich möchte mein Konto kündigen", "de", "en")
    await translator.close()
    assert result.translated and result.engine == "libretranslate"
    assert result.text == "I want to cancel my account"
    assert fake_libretranslate.requests[0]["body"] == {
        "q": "Ich möchte mein Konto kündigen",
        "source": "de",
        "target": "en",
        "format": "text",
        "api_key": "test-key",
    }


async def test_libretranslate_missing_key_is_marked(fake_libretranslate: FakeLibreTranslate) -> None:
    translator = libre(fake_libretranslate, key=None)
    result = await translator.translate("one moment please", "en", "es")
    await translator.close()
    assert not result.translated and "Invalid API key" in (result.reason or "")
    assert "api_key" not in fake_libretranslate.requests[0]["body"]


async def test_libretranslate_unsupported_pair_is_marked(fake_libretranslate: FakeLibreTranslate) -> None:
    translator = libre(fake_libretranslate)
    result = await translator.translate("hello", "en", "ja")
    pairs = await translator.pairs()
    await translator.close()
    assert not result.translated and "ja is not supported" in (result.reason or "")
    assert ("en", "es") in pairs and ("en", "ja") not in pairs


async def test_libretranslate_retries_429(fake_libretranslate: FakeLibreTranslate) -> None:
    fake_libretranslate.fail_with = [429]
    translator = libre(fake_libretranslate)
    result = await translator.translate("i want to cancel my account", "en", "es")
    await translator.close()
    assert result.text == "quiero cancelar mi cuenta" and len(fake_libretranslate.requests) == 2


async def test_unreachable_service_is_marked() -> None:
    translator = LibreTranslateTranslator("http://127.0.0.1:9", "k", retries=1, backoff_s=0.01)
    result = await translator.translate("hello", "en", "es")
    assert await translator.pairs() == set()
    await translator.close()
    assert not result.translated and "unreachable" in (result.reason or "")
