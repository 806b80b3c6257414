"""Implicit complaints: constructions over word classes, counted once per line."""

import pytest

from ingest.analysis import score_sentiment, thresholds
from ingest.analysis.complaints import (
    COMPLAINT_TOKEN,
    REPEATED_TOKEN,
    compile_pattern,
    find_complaints,
    load_patterns,
    mark_complaints,
)

COMPLAINT_ALONE = score_sentiment("i've phoned you nine times").score


@pytest.mark.parametrize(
    "line",
    [
        # repeated contact
        "i've emailed your team six times about this",
        "this is the fifth time i'm ringing about the same fault",
        "i've had to explain it to three different advisors",
        "my statement is wrong for the second time",
        # outages and faults that last
        "the landline has been dead since tuesday",
        "we've had no heating since the weekend",
        "the wifi keeps dropping every evening",
        "the card reader hasn't worked for a fortnight",
        # waiting, time and effort wasted
        "i was queuing for forty five minutes before anyone answered",
        "i booked a day off so your fitter could come",
        "i wasted a whole afternoon on your website",
        "i spent two hours on the phone to your billing people",
        # promises not kept, being ignored
        "the replacement was supposed to arrive last friday",
        "the courier never showed up",
        "not one person has replied to my letters",
        "i sent three emails and got no response",
        # billing
        "you've charged my account twice this month",
        "my renewal quote has nearly doubled",
        # effort forced on the caller, being passed around
        "i had to borrow money to cover the overdraft fee",
        "i keep getting passed between departments",
    ],
)
def test_implicit_complaints_read_as_complaints(line):
    score = score_sentiment(line).score
    assert score <= thresholds.NEGATIVE, line
    assert score > thresholds.CRITICAL, line  # a fact stated calmly is not fury


@pytest.mark.parametrize(
    "line",
    [
        "i called last week to ask about the tariff",
        "can you call me back on this number",
        "the engineer is coming on thursday",
        "i lost my card, can you send a new one",
        "i'd like to pay by card over the phone",
        "no, that's everything for today",
        "there's no rush",
        "i've been a customer for twelve years",
        "i sent the form yesterday, can you confirm you got it",
        "i need to take a day off next week so can we book friday",
        "my payment went out on the first as usual",
        "i have to pick up my son at three",
        "could you call me back in ten minutes",
        "i missed your call earlier",
    ],
)
def test_ordinary_requests_are_not_complaints(line):
    assert find_complaints(line) == [], line


def test_a_line_with_several_facts_is_one_complaint():
    marked = mark_complaints("it's been down since monday and nobody has called me back")
    assert marked.count(COMPLAINT_TOKEN) == 1 and REPEATED_TOKEN in marked
    two = score_sentiment("it's been down since monday and nobody has called me back").score
    assert two == pytest.approx(COMPLAINT_ALONE)


def test_a_fact_does_not_stack_on_the_lines_other_words():
    # "complaint" already says it: the unanswered complaint is not twice as negative.
    stacked = score_sentiment("i made a complaint in may and heard nothing").score
    assert stacked == pytest.approx(min(score_sentiment("i made a complaint in may").score, COMPLAINT_ALONE))
    # ... but anger around a fact still counts in full.
    assert score_sentiment("you are useless and pathetic, i've called ten times").score < thresholds.CRITICAL


def test_a_complaint_carries_its_own_negation():
    # "didn't" is part of the complaint; VADER's negation must not flip it positive.
    assert score_sentiment("the driver didn't turn up").label == "negative"
    assert score_sentiment("honestly nobody ever rings me back").label == "negative"


def test_but_still_weighs_what_follows():
    assert score_sentiment("it was down since monday but it works now, thanks").label == "positive"
    assert score_sentiment("thanks for trying, but it's still not working").label == "negative"


def test_answer_no_is_not_negative():
    assert score_sentiment("no, that's all thanks").label == "positive"
    assert score_sentiment("no").label == "neutral"
    assert score_sentiment("no signal at all in the kitchen").label == "negative"


def test_every_pattern_compiles_and_has_a_reason():
    classes, patterns = load_patterns()
    assert len(patterns) > 50
    for entry in patterns:
        assert entry.reason.strip(), entry.pattern
        compile_pattern(entry.pattern, classes)


def test_patterns_must_start_with_a_word_and_name_known_classes():
    with pytest.raises(ValueError, match="start with"):
        compile_pattern("~ times", {})
    with pytest.raises(ValueError, match="unknown class"):
        compile_pattern("{nowhere} times", {})
