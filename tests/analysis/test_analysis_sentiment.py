import math

import pytest

from ingest.analysis import analyse_text, score_sentiment, thresholds
from ingest.analysis.sentiment import CALL_CENTRE_LEXICON, label_for


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
