"""Language identification with lingua, restricted to the configured languages."""

from __future__ import annotations

import pytest

from ingest.translation import LanguageDetector, detect_language


@pytest.mark.parametrize(
    "text, language",
    [
        ("i want to cancel my account right now", "en"),
        ("quiero cancelar mi cuenta ahora mismo por favor", "es"),
        ("ich möchte mein Konto sofort kündigen", "de"),
        ("can i speak to your supervisor please", "en"),
        ("su servicio es terrible y estoy cansado de esperar", "es"),
    ],
)
def test_detects_call_sentences(text: str, language: str) -> None:
    assert detect_language(text, candidates=("en", "es", "de")) == language


@pytest.mark.parametrize("text", ["ok", "si", "", "  ?  "])
def test_unsure_on_short_text(text: str) -> None:
    assert detect_language(text, candidates=("en", "es", "de")) is None


def test_only_candidates_are_answered() -> None:
    detector = LanguageDetector(("en", "spa"))
    assert detector.candidates == ("en", "es")
    assert detector.detect("ich möchte mein Konto sofort kündigen") in (None, "en", "es")
    assert detector.detect("quiero cancelar mi cuenta ahora mismo") == "es"


def test_bad_candidates_are_refused() -> None:
    with pytest.raises(ValueError, match="at least two"):
        LanguageDetector(("en",))
    with pytest.raises(ValueError, match="lingua does not know"):
        LanguageDetector(("en", "xx"))
