"""The offline engine against the real Debian Apertium packages."""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

from ingest.translation import ApertiumTranslator, TranslationSettings, make_translator
from ingest.translation.apertium import installed_modes, plan_route
from ingest.translation.apertium_pipeline import escape, unescape

CALL_LINES = [
    "thank you for calling how can i help",
    "i want to cancel my account right now",
    "your service is terrible and i am tired of waiting",
    "can i speak to your supervisor please",
]


async def test_english_to_spanish_and_back(apertium: ApertiumTranslator) -> None:
    spanish = await apertium.translate("i want to cancel my account", "en", "es")
    assert spanish.translated and spanish.engine == "apertium" and spanish.via is None
    # Apertium's eng-spa picks "anular" for cancel; "i" is fixed up to "I" first.
    assert spanish.text == "Quiero anular mi cuenta"

    english = await apertium.translate("Quiero cancelar mi cuenta ahora", "es", "en")
    assert english.translated
    assert "cancel my account" in english.text


async def test_three_letter_codes_are_accepted(apertium: ApertiumTranslator) -> None:
    result = await apertium.translate("my account", "eng", "spa")
    assert (result.source, result.target, result.text.lower()) == ("en", "es", "mi cuenta")


async def test_pairs_lists_installed_and_pivot_pairs(apertium: ApertiumTranslator) -> None:
    direct = await apertium.direct_pairs()
    assert {("en", "es"), ("es", "en"), ("es", "it")} <= direct
    assert ("en", "it") not in direct
    assert ("en", "it") in await apertium.pairs()
    assert ("en", "de") not in await apertium.pairs()


async def test_pivots_through_spanish_where_no_direct_pair(apertium: ApertiumTranslator) -> None:
    result = await apertium.translate("i want to cancel my account", "en", "it")
    assert result.translated and result.via == "es"
    assert "conto" in result.text  # Italian for account


def test_route_planning_prefers_configured_pivot() -> None:
    direct = {("de", "en"), ("en", "it"), ("de", "fr"), ("fr", "it")}
    assert plan_route(direct, "de", "it", ("en",)) == ("de", "en", "it")
    assert plan_route(direct, "de", "it", ("fr",)) == ("de", "fr", "it")
    assert plan_route(direct, "de", "en") == ("de", "en")
    assert plan_route(direct, "it", "de") is None


async def test_unavailable_pair_gives_marker_not_error(apertium: ApertiumTranslator, caplog: object) -> None:
    first = await apertium.translate("hello there", "en", "ja")
    second = await apertium.translate("good morning", "en", "ja")
    assert not first.translated and not second.translated
    assert first.text == "hello there"
    assert first.marked_text == "[not translated] hello there"
    assert "no apertium pair en->ja" in (first.reason or "")
    lines = [r for r in caplog.records if "en->ja" in r.getMessage()]  # type: ignore[attr-defined]
    assert len(lines) == 1  # logged once per pair, not per segment


async def test_same_language_is_not_translated(apertium: ApertiumTranslator) -> None:
    result = await apertium.translate("hello", "en", "en")
    assert not result.translated and result.text == "hello"


async def test_one_warm_process_serves_many_sentences(apertium: ApertiumTranslator) -> None:
    await apertium.translate("hello", "en", "es")
    pipeline = apertium.pipeline_for("en", "es")
    assert pipeline is not None
    pid = pipeline.pid
    results = [await apertium.translate(line, "en", "es") for line in CALL_LINES * 25]
    assert all(r.translated for r in results)
    assert results[3].text == results[-1].text  # answers stay in step with questions
    assert "supervisor" in results[-1].text
    assert pipeline.pid == pid and pipeline.starts == 1


async def test_recovers_after_the_process_is_killed(apertium: ApertiumTranslator) -> None:
    await apertium.translate("hello", "en", "es")
    pipeline = apertium.pipeline_for("en", "es")
    assert pipeline is not None and pipeline.pid is not None
    old_pid = pipeline.pid
    os.killpg(old_pid, signal.SIGKILL)
    result = await apertium.translate("i want to cancel my account", "en", "es")
    assert result.translated and result.text == "Quiero anular mi cuenta"
    assert pipeline.pid != old_pid and pipeline.starts == 2


async def test_recovers_after_one_stage_is_killed(apertium: ApertiumTranslator) -> None:
    await apertium.translate("hello", "en", "es")
    pipeline = apertium.pipeline_for("en", "es")
    assert pipeline is not None and pipeline.pid is not None
    stage = _first_child(pipeline.pid)
    os.kill(stage, signal.SIGKILL)
    result = await apertium.translate("my account", "en", "es")
    assert result.translated and result.text.lower() == "mi cuenta"


def _first_child(pid: int) -> int:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert children, "the pipeline shell has no stages"
    return int(children[0])


async def test_stream_format_characters_survive(apertium: ApertiumTranslator) -> None:
    result = await apertium.translate("my account [ref 12] costs $5 / month ^ @ <b> {x}", "en", "es")
    assert result.translated
    for kept in ("[ref 12]", "$5", "/", "^", "@", "<b>", "{x}"):
        assert kept in result.text


def test_escape_round_trip() -> None:
    text = "a [b] \\c ^d$ e/f @g <h> {i} *j #k"
    assert unescape(escape(text)) == text


def test_modes_skip_variants_and_debug_modes(tmp_path: object) -> None:
    from pathlib import Path

    modes = Path(str(tmp_path))
    for name in ("eng-spa", "spa-eng_US", "eco-es-fr", "es-fr", "fra-spa"):
        (modes / f"{name}.mode").write_text("cat\n")
    found = installed_modes(modes)
    assert set(found) == {("en", "es"), ("es", "fr"), ("fr", "es")}


async def test_without_apertium_everything_is_marked(caplog: object) -> None:
    settings = TranslationSettings.from_env({}, apertium_path="/nonexistent/bin/apertium")
    translator = make_translator(settings)
    with caplog.at_level(logging.WARNING):  # type: ignore[attr-defined]
        assert await translator.pairs() == set()
        result = await translator.translate("i want to cancel my account", "en", "es")
    await translator.close()
    assert not result.translated and result.text == "i want to cancel my account"
    not_found = [r for r in caplog.records if "not found" in r.getMessage()]  # type: ignore[attr-defined]
    assert len(not_found) == 1 and "/nonexistent/bin/apertium" in not_found[0].getMessage()
