"""Round 15 (issue 11): lexicon entries and keyword exceptions read from the first,
blind reading of the blind16 corpus (the disclosure's wordings are tested in
tests/alerts/test_alert_compliance.py). Every sentence here is new; each class
stands beside lines that share its words and must keep their reading."""

import pytest

from ingest.analysis import score_sentiment, spot_keywords


@pytest.mark.parametrize(
    "line",
    [
        "the first coat peeled, but that was my own fault for rushing it",
        "honestly it was our own fault, we left the gate open",
    ],
)
def test_self_blame_told_calmly_is_no_complaint(line):
    assert score_sentiment(line).label != "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "it's not my fault your van blocked the drive",
        "whose fault is it then, because it isn't mine",
        "this is entirely your fault",
    ],
)
def test_blame_laid_elsewhere_stays_negative(line):
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "the voucher and the sale price would cancel each other out, wouldn't they",
        "so the two charges just cancel out in the end",
        "the credits cancelled one another out last month",
    ],
)
def test_offsetting_is_no_cancellation(line):
    assert "cancel" not in spot_keywords(line), line


@pytest.mark.parametrize(
    "line",
    [
        "cancel it and sort it out, i'm done",
        "i want to cancel the order, it's out of stock anyway",
        "please cancel my membership out of respect for my time",
    ],
)
def test_a_cancellation_beside_out_still_counts(line):
    assert "cancel" in spot_keywords(line), line
