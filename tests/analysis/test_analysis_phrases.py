"""ASR-tolerant phrase matching for the disclosure and multi-word keywords."""

import pytest

from ingest.analysis.phrases import find_any_phrase, find_phrase, sound_key, tokens, word_distance

DISCLOSURE = "this call may be recorded"


@pytest.mark.parametrize(
    "heard",
    [
        "Hello! This call may be recorded, for training.",
        "good call may be recorded",
        "this call maybe recorded",
        "maybe recorded",
        "talk may be recorded",
        "This call can be recorded",  # Apertium's "Esta llamada puede ser grabada"
        "your calls may be recorded for quality",
        "this cold may be recorded",
    ],
)
def test_misheard_disclosures_still_match(heard):
    assert find_phrase(heard, DISCLOSURE) is not None


@pytest.mark.parametrize(
    "heard",
    [
        "the call may be transferred",
        "this call is about my bill",
        "I recorded it",
        "please hold while I check your record",
        "we may be reporting this",
        "thank you for calling how can I help",
        "",
    ],
)
def test_unrelated_sentences_do_not_match(heard):
    assert find_phrase(heard, DISCLOSURE) is None


def test_the_match_says_where_and_how_well():
    exact = find_phrase("Hello, this call may be recorded.", DISCLOSURE)
    assert (exact.start, exact.end, exact.cost) == (1, 6, 0.0)
    assert find_phrase("good call may be recorded", DISCLOSURE).cost > 0


def test_any_of_several_phrases_picks_the_closest():
    found = find_any_phrase("this call is being recorded", [DISCLOSURE, "this call is being recorded"])
    assert found is not None and found.phrase == "this call is being recorded" and found.cost == 0.0


def test_sound_key_and_word_distance():
    assert sound_key("recorded") == sound_key("recordid")
    assert sound_key("phone") == sound_key("fone")
    assert sound_key("call") != sound_key("recorded")
    assert word_distance("call", "call") == 0.0
    assert word_distance("lawyer", "dog") == 1.0
    assert 0 < word_distance("calls", "call") <= 0.5


def test_tokens_drop_punctuation_and_case():
    assert tokens("This CALL, may-be 'recorded'.") == ("this", "call", "may", "be", "recorded")
