"""Round 12 (issue 11): constructions, not sentences.

The classes come from the misses of the blind13 corpus and caller_lines.blind9
(read only after their first figures were recorded), but every sentence here
is new, and each class has lines beside it that share its words and must
keep their reading.
"""

import pytest

from ingest.analysis import score_sentiment
from ingest.analysis.keywords import spot_keywords
from ingest.analysis.thresholds import CRITICAL
from tests.support.known_misreads import MODEL_MISREADS


@pytest.mark.parametrize(
    ("line", "keyword"),
    [
        ("a solicitor friend of mine uses you for her office", "lawyer"),
        ("his lawyer friends all rave about you", "lawyer"),
        ("i work as a legal assistant so i can only do evenings", "legal"),
        ("she's a legal executive at a firm in town", "legal"),
        ("can you drop it by the squash courts at the leisure centre", "court"),
        ("we'll meet you at the food court in the shopping centre", "court"),
        ("i'm the facilities manager for the school, we need the bins emptied", "manager"),
        ("hello, i am the duty manager at the hotel", "manager"),
        ("i'm the shift supervisor, i'm ringing to book the van", "supervisor"),
        ("the cancellation has gone through now, thanks, i just wanted to check", "cancel"),
        ("can you cancel tuesday's lesson and move it to friday", "cancel"),
    ],
)
def test_a_keyword_naming_a_person_a_job_or_a_place_is_harmless(line, keyword):
    assert keyword not in spot_keywords(line), line


@pytest.mark.parametrize(
    ("line", "keyword"),
    [
        ("my lawyer will be in touch with your friend in accounts", "lawyer"),
        ("i'm taking legal advice about this", "legal"),
        ("i want to speak to the manager, not you", "manager"),
        ("the cancellation never went through and you charged me again", "cancel"),
        ("i want to cancel my membership and move to another gym", "cancel"),
        ("my flight was cancelled and nobody told me", "cancel"),
        ("i'll just do a chargeback through my bank then", "refund"),
        ("if it's not here friday i'm asking the card company to charge back the payment", "refund"),
    ],
)
def test_the_same_keywords_said_as_a_threat_or_a_request_still_count(line, keyword):
    assert keyword in spot_keywords(line), line


@pytest.mark.parametrize(
    ("line", "counts"),
    [
        ("i'll see you in court over this", True),
        ("they're taking me to court, the tennis club", True),
        ("there's parking behind the netball courts", False),
    ],
)
def test_court_counts_unless_it_is_a_sports_court(line, counts):
    assert ("court" in spot_keywords(line, ("court",))) is counts, line


@pytest.mark.parametrize(
    "line",
    [
        "honestly the new boiler was worth every penny",
        "my mum's over the moon with her new hearing aids",
        "i couldn't fault the engineer, he was brilliant",
        "the quote was spot on, to the pound",
        "the grandkids had a whale of a time at the farm",
        "we're made up with the new fence",
        "the lady on the phone was an absolute gem",
        "i'll be giving you a five star rating",
    ],
)
def test_praise_idioms_are_positive(line):
    assert score_sentiment(line).label == "positive", line


@pytest.mark.parametrize(
    "line",
    [
        "you'd better get someone out here today",
        "this had better be the last time i ring you",
        "i've had better service from a parking meter",
        "it's hardly rocket science to post a letter",
        "it's not rocket science, just send the right part",
        "that one star review is going up tonight",
    ],
)
def test_warnings_and_put_downs_are_negative(line):
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("the new tariff is dearer than the old one, is that right", "neutral"),
        ("dear me, that was quick, thank you", "positive"),
        pytest.param("i'd better check with my husband first", "neutral", marks=MODEL_MISREADS),
        ("the worth of the policy is in the schedule", "neutral"),
        ("five stars from me, lovely job", "positive"),
    ],
)
def test_lines_sharing_those_words_keep_their_reading(line, label):
    assert score_sentiment(line).label == label, line


@pytest.mark.parametrize(
    "line",
    [
        "that's four letters now and not one reply",
        "i've sent them six emails about the boiler",
        "i must have left you three voicemails already",
        "please just get it right this time",
        pytest.param("could you send the correct size properly this time", marks=MODEL_MISREADS),
    ],
)
def test_repeat_contact_counted_in_messages_and_demands_naming_past_failures_are_complaints(line):
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "i sent two emails to my sister about the party",
        pytest.param("you should get three emails, one for each ticket", marks=MODEL_MISREADS),
        "what time this time tomorrow would suit",
    ],
)
def test_messages_and_this_time_without_a_grievance_stay_calm(line):
    assert score_sentiment(line).label != "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "i've wasted my whole saturday on this crap",
        "i'm sick of this shit, every single month",
        "you can keep your crappy router, i'm done",
        "what the fuck is taking so long",
        "honestly, it's a fucking disgrace",
    ],
)
def test_a_swear_word_as_contempt_for_the_matter_or_their_things_is_extreme(line):
    assert score_sentiment(line).score <= CRITICAL, line


@pytest.mark.parametrize(
    "line",
    [
        "oh crap, i've left my card upstairs, one second",
        "my crap old laptop won't open the page",
        "what the heck, go on then, i'll take the upgrade",
    ],
)
def test_a_swear_word_about_the_callers_own_things_or_an_interjection_is_not_extreme(line):
    assert score_sentiment(line).score > CRITICAL, line
