"""Round 15 (issue 11): lexicon entries, keyword exceptions and negated insults read from the first,
blind reading of the blind16 corpus (the disclosure's wordings are tested in
tests/alerts/test_alert_compliance.py). Every sentence here is new; each class
stands beside lines that share its words and must keep their reading."""

import pytest

from ingest.analysis import score_sentiment, spot_keywords
from ingest.analysis.abuse import NEGATED_INSULT, without_negated_insults
from ingest.analysis.sentiment import score_by_rules


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


@pytest.mark.parametrize(
    "line",
    [
        "get me someone who isn't a total muppet, please",
        "i'm not an idiot, i've restarted it four times",
        "i am not wasting another afternoon on hold to you lot",
        "i won't waste any more of my evening on this",
        "the engineer's coming thursday? god help us",
    ],
)
def test_negated_insults_and_refusals_to_waste_time_are_no_praise(line):
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "the lad who fitted it was not clueless at all, he knew his stuff, thanks",
        "no, he's not a liar, that's my brother, he's on the account too",
        "can god help us with the flood? ha, no, can you send a plumber",
    ],
)
def test_lines_sharing_those_words_keep_their_reading(line):
    assert score_sentiment(line).label != "negative", line


def test_a_negated_insult_scores_nothing_rather_than_praise():
    assert without_negated_insults("someone who isn't a complete moron, thanks") == (
        f"someone who isn't a complete {NEGATED_INSULT}, thanks"
    )
    # Only within three words of the negation, and never across a comma.
    assert without_negated_insults("not once, you moron") == "not once, you moron"
    assert without_negated_insults("i never said the man was an idiot") == "i never said the man was an idiot"


@pytest.mark.parametrize(
    "line",
    [
        "so now i get to explain it all over again to someone else",
        "great, so we get to pay for the skip twice",
        "the van's not coming. we'll see. i'll believe it when it's here",
    ],
)
def test_a_chore_presented_as_a_treat_and_scepticism_are_complaints(line):
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "do we get to pay in two halves?",
        "oh lovely, now we get to choose the tiles",
    ],
)
def test_getting_to_do_something_welcome_stays_calm(line):
    assert score_sentiment(line).label != "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "to be honest i'm not sure we'll renew after the way this went",
        "i'm not sure i'll keep paying for it if it carries on",
        "we're thinking of leaving once the contract is up",
    ],
)
def test_churn_said_as_doubt_is_a_complaint(line):
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "not sure i will keep the red one, can i swap it for the green",
        "not sure i'll stay for the whole talk, can i slip out early",
        "we're thinking of switching to the annual plan, how much is it",
    ],
)
def test_doubts_about_other_things_are_no_churn(line):
    assert score_by_rules(line).label != "negative", line


@pytest.mark.parametrize(
    "line",
    ["my council tax refund finally came in last week", "the refund went in on monday, thanks for that"],
)
def test_a_refund_received_is_no_refund_request(line):
    assert "refund" not in spot_keywords(line), line


@pytest.mark.parametrize(
    "line",
    [
        "i need a refund, nothing came in the post",
        "the refund never came in",
        "refund me, the box came in pieces",
    ],
)
def test_a_refund_asked_for_or_missing_still_counts(line):
    assert "refund" in spot_keywords(line), line
