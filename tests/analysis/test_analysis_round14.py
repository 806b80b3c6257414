"""Round 14 (issue 11): lexicon idioms read from the first, blind reading of the
blind15 corpus and caller_lines.blind11 (keyword senses are tested in
test_keyword_sense.py, the disclosure's wordings in
tests/alerts/test_alert_compliance.py). Every sentence here is new; each class
stands beside lines that share its words and must keep their reading."""

import pytest

from ingest.analysis import score_sentiment


@pytest.mark.parametrize(
    "line",
    [
        "so the invoice is a lie then, because i never signed for that",
        "that's a lie, your driver never even knocked",
        "the whole brochure was a pack of lies",
        "we were lied to about the setup fee",
        "i emailed twice in june and never heard a word",
        "three weeks on and i've not heard a word from anyone",
    ],
)
def test_accusations_of_lying_and_being_ignored_read_negative(line):
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "is it true that the ferry leaves at nine",  # no "lie"
        "i heard every word clearly, thanks, the line's much better now",
        "the rug will lie flat once it settles, it looks lovely",
        "you can lie the seats flat for the dog, which is handy",
    ],
)
def test_lines_sharing_their_words_keep_their_reading(line):
    assert score_sentiment(line).label != "negative", line
