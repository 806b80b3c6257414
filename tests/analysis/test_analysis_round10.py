"""Round 10 (issue 11): constructions, not sentences.

The classes come from the misses of the blind10 corpus and caller_lines.blind7
(read only after their first figures were recorded), but every sentence here
is new, and each class has calm lines beside it that share its words.
"""

import pytest

from ingest.analysis import score_sentiment
from ingest.analysis.abuse import directed_abuse
from ingest.analysis.thresholds import CRITICAL


@pytest.mark.parametrize(
    "line",
    [
        "you sound like a complete idiot",
        "honestly, you lot act like amateurs",
        "your engineers behave like cowboys",
        "you sound like a moron reading that script",
        "you people look like a bunch of clowns from here",
    ],
)
def test_an_insult_through_a_likeness_is_abuse(line):
    assert directed_abuse(line), line


@pytest.mark.parametrize(
    "line",
    [
        "you sound like you've got a cold",
        "you sound like my daughter, she says the same",
        "i sound like an idiot asking this",
        "he acted like a complete idiot in the shop",
        "you sound like you know what you're doing",
    ],
)
def test_a_likeness_that_insults_nobody_is_no_abuse(line):
    assert directed_abuse(line) is None, line


@pytest.mark.parametrize(
    "line",
    [
        "for god's sake, just put me through",
        "oh for heaven's sake, not this again",
        "for christ's sake, how hard can a refund be",
        "for crying out loud, i gave you the number",
        "for goodness' sake, i only want a date",
        "for fuck's sake, i've been on hold for an hour",
    ],
)
def test_an_exasperation_idiom_reads_negative(line):
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "for safety's sake i'd rather the engineer came on monday",
        "for the sake of time, can we skip the security questions",
        "just for my own sake i'll write the reference down",
    ],
)
def test_for_the_sake_of_said_calmly_is_not_negative(line):
    assert score_sentiment(line).label != "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "i was gutted when it didn't turn up",
        "we're absolutely gutted, we'd planned the whole weekend around it",
        "my son was gutted, it was his birthday present",
        "i expected better from a company your size",
        "honestly, i'd have expected more from my own bank",
        "we expected a lot better than this",
    ],
)
def test_disappointment_idioms_read_negative(line):
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "the old kitchen has been gutted ready for the new units",
        "the upgrade was better than i expected",
        "delivery came sooner than expected, which was nice",
    ],
)
def test_the_same_words_without_the_disappointment_are_not_negative(line):
    assert score_sentiment(line).label != "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "the boiler is showing a low pressure warning",
        "there's a warning light on the dashboard",
        "the smoke alarm is giving a low battery beep",
        "the app shows an error message when i log in",
        "the panel flashes a fault warning every morning",
    ],
)
def test_a_device_status_report_is_not_extreme(line):
    """A reading off a display names the fault, not the caller's feeling: never extreme,
    and at most mildly negative."""
    score = score_sentiment(line).score
    assert score > CRITICAL, line
    assert score > -0.5, line


@pytest.mark.parametrize(
    "line",
    [
        "oh great, more paperwork",
        "oh brilliant, another automated menu",
        "oh wonderful, yet another password reset",
        "oh perfect, another form, just what i needed",
    ],
)
def test_a_sarcastic_opening_on_more_of_the_same_is_negative(line):
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "oh great, another slot opened up on thursday",
        "oh brilliant, more than i hoped for",
        "oh lovely, that's sorted then",
    ],
)
def test_a_glad_opening_is_not_sarcasm(line):
    assert score_sentiment(line).label != "negative", line
