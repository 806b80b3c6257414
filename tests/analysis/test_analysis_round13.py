"""Round 13 (issue 11): keyword senses and lexicon idioms, as classes (the new
disclosure wordings are tested in tests/alerts/test_alert_compliance.py).

The classes come from the first, blind reading of the blind14 corpus and
caller_lines.blind10 (their figures were recorded before any of this was
written); every sentence here is new, and each class stands beside lines that
share its words and must keep their reading.
"""

import pytest

from ingest.analysis import score_sentiment
from ingest.analysis.keywords import DEFAULT_ALERT_KEYWORDS, spot_keywords

KEYWORDS = (*DEFAULT_ALERT_KEYWORDS, "court", "regulator", "solicitor", "ombudsman")
"""Both default rules' words (legal_threat adds these to the built-in list)."""


@pytest.mark.parametrize(
    ("line", "keyword"),
    [
        ("hello, this is sue from the parish office about the hall booking", "sue"),
        ("my name is sue and i booked the minibus for saturday", "sue"),
        ("the dry cleaners is just past kingston court, second on the left", "court"),
        ("the parcel lockers are opposite the crown court car park", "court"),
        ("my brother works for the energy regulator, he said to ask about tariffs", "regulator"),
        ("is twenty the legal limit on that road", "legal"),
        ("eczema is a common complaint with this kind of wool, is there a lining", "complaint"),
        ("no need to get your manager, it was only five minutes", "manager"),
        ("there's no need to cancel, i can wait until monday", "cancel"),
    ],
)
def test_a_keyword_as_a_name_a_place_a_job_a_measure_or_not_needed_is_harmless(line, keyword):
    assert keyword not in spot_keywords(line, KEYWORDS), line


@pytest.mark.parametrize(
    ("line", "keyword"),
    [
        ("if this isn't sorted by friday i will sue", "sue"),
        ("sue you? i'm already suing the installer, you're next", "sue"),
        ("i'll see you at the county court, mate", "court"),
        ("i'm reporting you to the regulator this afternoon", "regulator"),
        ("i've taken legal advice, that clause won't stand", "legal"),
        ("i want to make a complaint about the driver", "complaint"),
        ("i don't need excuses, i need your manager", "manager"),
    ],
)
def test_the_same_keywords_said_as_a_threat_or_a_request_still_count(line, keyword):
    assert keyword in spot_keywords(line, KEYWORDS), line


@pytest.mark.parametrize(
    ("line", "label"),
    [
        # Disappointment, sarcasm and rudeness idioms.
        ("that's a shame, the red one was the reason i ordered", "negative"),
        ("i had my heart set on the june date", "negative"),
        ("no shit, that's the third time it's broken", "negative"),
        ("you can shove your discount code", "negative"),
        ("you had one job, deliver it to the right address", "negative"),
        ("please don't talk to me like that", "negative"),
        ("the parcel's been dragged through a hedge backwards", "negative"),
        ("you know perfectly well the fitting was included", "negative"),
        ("just send someone competent this time", "negative"),
        ("i'm being polite, but this is the fourth visit", "negative"),
        # Praise idioms.
        ("i was a sceptic but i'm converted now", "positive"),
        ("the new hinges made all the difference", "positive"),
        ("honestly the meal kits have been a revelation", "positive"),
        ("lovely staff, we'll definitely be back in the summer", "positive"),
        ("they made a tidy job of the fence, cheers", "positive"),
        ("twelve years on and the mower's still going strong", "positive"),
        # Lines that share their words and keep their reading.
        ("we'll be back from holiday on the ninth, can you deliver after that", "neutral"),
        ("i'd like to talk to someone about my account", "neutral"),
        ("could you send someone out on tuesday", "neutral"),
        ("the hedge at the back needs trimming too", "neutral"),
        ("what difference does the premium make", "neutral"),
        ("a stiff neck is a common complaint after long drives", "neutral"),
        # A negation does not reach across "but": VADER looks three words back across
        # it, and "not cheap, but worth every penny" read -0.58.
        ("not cheap, but lovely", "positive"),
        ("i'm not angry, but disappointed", "negative"),
        ("not the quickest, but brilliant in the end", "positive"),
        ("it's not bad, but not great either", "negative"),
    ],
)
def test_lines_read_as_a_person_reads_them(line, label):
    assert score_sentiment(line).label == label, line
