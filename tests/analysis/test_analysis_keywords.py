import pytest

from ingest.analysis import spot_keywords, spot_profanity
from ingest.analysis.keywords import PROFANITY_FILE, excepted_keywords, load_word_list


def test_whole_words_any_case_first_occurrence_order():
    assert spot_keywords("SUPERVISOR now! I will Cancel, cancel everything") == (
        "supervisor",
        "cancel",
    )


def test_parts_of_words_do_not_count():
    assert spot_keywords("the reporter's lien; she's a liability; a cancelbot") == ()


def test_inflections_and_synonyms_report_the_keyword():
    legal = ["lawyer", "sue", "court", "regulator", "ombudsman"]
    assert spot_keywords("I'm suing you, my attorneys agree", legal) == ("sue", "lawyer")
    assert spot_keywords("we SUED them; Ofcom heard; the ombudsmen too", legal) == (
        "sue",
        "regulator",
        "ombudsman",
    )
    assert spot_keywords("cancelling, cancelled, the cancellation", ["cancel"]) == ("cancel",)
    assert spot_keywords("I want my money back", ["refund"]) == ("refund",)


def test_inflections_and_synonyms_can_be_turned_off():
    assert spot_keywords("cancelling", ["cancel"], inflect=False) == ()
    assert spot_keywords("my attorney", ["lawyer"], synonyms=()) == ()
    assert spot_keywords("my barrister", ["lawyer"], synonyms=(("lawyer", ("barrister",)),)) == ("lawyer",)


def test_a_keyword_that_is_also_a_synonym_reports_itself():
    assert spot_keywords("my attorney", ["lawyer", "attorney"]) == ("attorney",)


def test_multi_word_keywords_tolerate_a_misheard_word_only_when_asked():
    assert spot_keywords("I will disbute the charge", ["dispute the charge"]) == ()
    assert spot_keywords("I will disbute the charge", ["dispute the charge"], tolerant=True) == (
        "dispute the charge",
    )
    assert spot_keywords("I will discuss the charge", ["dispute the charge"], tolerant=True) == ()


def test_a_phrase_with_one_content_word_is_not_matched_tolerantly():
    """The tolerance would all fall on its one word: "your loss" is not "your boss"."""
    synonyms = (("supervisor", ("your boss",)),)
    assert spot_keywords("get me your boss", ["supervisor"], synonyms=synonyms, tolerant=True) == (
        "supervisor",
    )
    assert spot_keywords("so sorry for your loss", ["supervisor"], synonyms=synonyms, tolerant=True) == ()


def test_context_exceptions_do_not_count():
    assert spot_keywords("could you cancel the hold please") == ()
    assert spot_keywords("my account   manager called") == ()
    # ...but the same word elsewhere in the utterance still counts.
    assert spot_keywords("cancel the hold, then cancel my plan") == ("cancel",)
    assert spot_keywords("get me your manager, not my account manager") == ("manager",)


def test_the_callers_own_manager_is_no_escalation():
    assert spot_keywords("my line manager asked me to check the renewal") == ()
    assert spot_keywords("i'll take that back to my manager") == ()
    assert spot_keywords("i want to speak to a manager") == ("manager",)
    assert spot_keywords("put me through to your manager, my manager would never do this") == ("manager",)


def test_denying_a_complaint_is_not_one():
    assert spot_keywords("that's great, i'm not complaining, i just didn't know") == ()
    assert spot_keywords("no complaints from me") == ()
    assert spot_keywords("i'm not complaining, but i do want to make a complaint") == ("complaint",)


def test_an_amount_wanted_back_is_a_refund():
    assert spot_keywords("i'll be wanting the nine hundred pounds back") == ("refund",)
    assert spot_keywords("can i get my deposit back") == ("refund",)
    assert spot_keywords("i want to pay back the loan early") == ()


def test_keywords_said_only_inside_an_exception_are_named():
    assert excepted_keywords("my account manager asked me to call") == ("manager",)
    # Said once harmlessly and once for real: it counts, so it is not excepted.
    assert excepted_keywords("not my account manager, your manager") == ()
    assert excepted_keywords("i want a refund") == ()


def test_custom_lists_and_multi_word_keywords():
    assert spot_keywords("I will dispute  the charge", ["dispute the charge", "chargeback"]) == (
        "dispute the charge",
    )
    assert spot_keywords("cancel the hold", ["cancel"], exceptions=[]) == ("cancel",)


def test_one_string_is_not_a_word_list():
    with pytest.raises(TypeError):
        spot_keywords("cancel", "cancel")


def test_profanity_whole_words_and_variants():
    assert spot_profanity("what the FUCK is this bullshit, damn it") == ("fuck", "bullshit", "damn")
    assert spot_profanity("fucking useless") == ("fucking",)
    assert spot_profanity("you son of a bitch") == ("son of a bitch",)
    assert spot_profanity("f*** this") == ("fuck",)  # the mask filled in (ingest.analysis.spelling)


def test_profanity_ignores_innocent_words_containing_it():
    assert spot_profanity("a classic assessment of the Scunthorpe cocktail") == ()


def test_profanity_list_has_the_usual_words():
    words = set(load_word_list(PROFANITY_FILE))
    assert {"bullshit", "damn", "shit", "fuck", "fucking", "asshole", "bastard"} <= words
