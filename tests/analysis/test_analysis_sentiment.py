import math

import pytest

from ingest.analysis import analyse_text, score_sentiment, thresholds
from ingest.analysis.sentiment import CALL_CENTRE_LEXICON, expand_slots, join_phrases, label_for, load_lexicon


def test_label_boundaries_follow_vader_convention():
    assert label_for(0.05) == "positive"
    assert label_for(0.0499) == "neutral"
    assert label_for(-0.05) == "negative"
    assert label_for(-0.0499) == "neutral"


def test_call_centre_words_carry_their_weight():
    # Plain VADER scores "cancel" 0 and "resolved" 0: both would read neutral.
    assert score_sentiment("cancel").label == "negative"
    assert score_sentiment("resolved").label == "positive"
    assert score_sentiment("this is unacceptable").score < score_sentiment("this is a refund").score < 0


def test_every_lexicon_addition_moves_the_score_its_way():
    for word, valence in CALL_CENTRE_LEXICON.items():
        score = score_sentiment(word).score
        assert (score > 0) == (valence > 0), word


def test_phrases_count_once_as_their_own_valence():
    # "waste" alone is mildly negative in VADER; the phrase is worse.
    assert score_sentiment("what a waste of time").score < score_sentiment("what a waste").score
    # One token of valence 2.0, normalised the VADER way: 2 / sqrt(2**2 + 15).
    assert score_sentiment("thank you").score == pytest.approx(2 / math.sqrt(19), abs=1e-4)
    assert score_sentiment("Thank   You").score == score_sentiment("thank you").score


def test_phrases_still_obey_negation():
    assert score_sentiment("this is not a waste of time").score > 0


def test_empty_text_is_neutral():
    assert score_sentiment("   ") == (0.0, "neutral")


def test_analysis_of_an_angry_caller():
    result = analyse_text("This is unacceptable, I want to cancel, you stupid bastard")
    assert result.sentiment.score <= thresholds.CRITICAL
    assert result.sentiment.label == "negative"
    assert result.keywords == ("unacceptable", "cancel", "stupid")
    assert result.profanity == ("bastard",)


def test_thresholds_are_ordered():
    assert thresholds.CRITICAL < thresholds.ALERT < thresholds.NEGATIVE < 0 < thresholds.POSITIVE


@pytest.mark.parametrize(
    "line",
    [
        "I understand your frustration, and I apologise for the trouble",
        "I'm sorry to hear that",
        "sorry for the trouble, let me sort it out",
        "no problem at all",
    ],
)
def test_empathy_and_apology_are_not_negative(line):
    assert score_sentiment(line).score > -0.05


@pytest.mark.parametrize(
    "line",
    [
        "Honestly, I'm fed up with the way this has been handled",
        "I've had enough",
        "we will see you in court",
        "nobody ever calls me back",
        "my broadband has been down since Friday",
        "it's still not working",
        "this is the third time I've called",
        "what a waste of my time",
    ],
)
def test_frustration_idioms_and_implicit_complaints_are_negative(line):
    assert score_sentiment(line).label == "negative"


def test_claim_vocabulary_is_neutral():
    assert score_sentiment("I'm calling to make a claim for storm damage").label == "neutral"


def test_phrases_are_joined_longest_first_and_keep_caps():
    assert join_phrases("what a WASTE OF MY TIME") == "what a WASTE_OF_MY_TIME"
    assert join_phrases("i'm sick and tired") == "i'm sick_and_tired"


def test_a_frustration_idiom_takes_its_object_with_it():
    # "excuses" says what the caller is sick of, not a second emotion.
    assert (
        join_phrases("i'm sick and tired of your excuses, sort it out") == "i'm sick_and_tired, sort it out"
    )
    assert join_phrases("fed up with the delays and i want a refund") == "fed_up and i want a refund"
    assert score_sentiment("i'm sick and tired of your excuses").score > thresholds.CRITICAL


def test_slots_expand():
    assert "down since friday" in set(expand_slots("down since <day>"))
    assert "third time i've called" in set(expand_slots("<nth> time i've called"))


def test_every_lexicon_entry_has_a_reason():
    words, phrases = load_lexicon()
    assert len(phrases) > 60
    assert all(entry.reason.strip() for entry in (*words.values(), *phrases.values()))
