"""Round 4 (issue 11): the classes of complaint a caller states without angry words.

Each class was added from the held-out corpus's misses and is tested here on
sentences of its own, not those of any labelled set: threats, scepticism,
broken promises, expectations not met, money lost, being ignored over time,
service failures, consequences, and sarcasm. Service requests said with
negative words stay neutral.
"""

import pytest

from ingest.analysis import score_sentiment, thresholds
from ingest.analysis.complaints import find_complaints, sarcastic_clause
from ingest.analysis.sentiment import load_lexicon


@pytest.mark.parametrize(
    "line",
    [
        # threats
        "if this carries on i'll be reporting you to ofgem",
        "we're taking this to the ombudsman",
        "i'll take you to a tribunal if i have to",
        "i will hold you personally liable for any costs",
        "i'm seeking legal advice on monday",
        "you've had plenty of chances to put this right",
        # scepticism and resignation
        "i'll believe that when i see it on my statement",
        "i wouldn't hold my breath",
        "i've heard it all before from your lot",
        "honestly i've given up hoping",
        # broken promises
        "your colleague assured me it would be credited by now",
        "we were told the fitter would ring ahead",
        "the website said it would arrive in two days",
        # expectations not met
        "the warranty should have covered the repair",
        "somebody should've warned us about the roadworks",
        "i shouldn't have to chase my own money",
        "that doesn't sound fair to me",
        "it's hardly what we agreed",
        "why should we pay for the missing items",
        # money lost
        "we're seventy pounds out of pocket",
        "i'm paying for nothing at the moment",
        "i'm thirty quid down on the deal",
        # ignored over time
        "no one has looked at my claim in weeks",
        "no one has checked it for three months",
        # service failures
        "the loaner laptop couldn't cope with the software",
        "they cut off my water without any notice",
        "you closed our account and kept the balance",
        "my mortgage payment was rejected",
        # consequences
        "the coach went without us",
        "we missed the funeral because of the delay",
    ],
)
def test_a_complaint_class_reads_negative(line):
    score = score_sentiment(line).score
    assert score <= thresholds.NEGATIVE, line
    assert score > thresholds.CRITICAL, line  # said calmly: not fury


@pytest.mark.parametrize(
    "line",
    [
        "i've lost my wallet on the train, can you block my cards",
        "i lost my phone, can you stop the sim",
        "i'd like to report a burst main on the high street",
        "hello, i'm reporting a gas leak next door",
        "can you block it please",
        "i'm ringing about my refund, has it been processed",
        "there's nothing wrong with the service, i'm just moving house",
        "will this affect my credit score",
        "i'd like to pay with my credit card",
        "i'll report it as stolen to the police as well",
    ],
)
def test_service_requests_with_negative_words_stay_neutral(line):
    assert score_sentiment(line).label == "neutral", line


@pytest.mark.parametrize(
    "line",
    [
        "i called last week and you told me the balance, can you tell me again",
        "the man in the shop said it would fit my car, which model is it",
        "i should have said, it's a joint account",
        "is that right",
        "that's right, the one ending four two",
        "i missed your call yesterday",
        "the train left at six",
        "can you freeze my card while i look for it",
        "it's not on my statement yet",
        "i left my umbrella in your branch on high street",
        "i'd like to put twenty pounds down as a deposit",
        "my account has been open since two thousand and ten",
        "i'll leave an honest review when it arrives",
    ],
)
def test_ordinary_lines_are_not_complaints(line):
    assert find_complaints(line) == [], line


@pytest.mark.parametrize(
    "line",
    [
        "it broke again the day after the repair, lovely",
        "so the refund was sent to an old account, brilliant",
        "another engineer who didn't turn up, fantastic.",
        "you cut me off twice, thanks a lot",
    ],
)
def test_a_lone_positive_interjection_after_a_negative_clause_is_sarcasm(line):
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "it's all working now, brilliant",
        "oh brilliant, i hadn't spotted it",
        "the parcel came this morning, lovely",
        "brilliant",
        "you've been so helpful, cheers",
    ],
)
def test_a_positive_interjection_is_not_sarcasm_after_a_clause_that_is_not_negative(line):
    assert score_sentiment(line).label == "positive", line


def test_the_sarcastic_clause_is_what_comes_before_the_interjection():
    assert sarcastic_clause("so i was lied to, oh just brilliant!") == "so i was lied to"
    assert sarcastic_clause("brilliant") is None
    assert sarcastic_clause("brilliant, thanks") is None


def test_the_lexicon_file_adds_its_own_slots():
    _, phrases = load_lexicon()
    assert "i've lost my debit card" in phrases
    assert "report a burst pipe" in phrases
    assert all("<" not in phrase for phrase in phrases)


@pytest.mark.parametrize(
    "line",
    [
        # second pass (classes from blind2's misses, read after its figure was recorded)
        "we've still not had a penny from the insurer",
        "the case has been pending since april",
        "that's what we were told last month",
        "that's what the other advisor said too",
        "my dad can't manage without his oxygen delivery",
        "the app says delivered but there's nothing on the doorstep",
        "my deposit is just sitting in your account",
        "we paid for fibre and we're not getting it",
        "the portal keeps logging me out",
        "i'm going to write a scathing review",
        "they took the money without even an email",
    ],
)
def test_a_second_pass_class_reads_negative(line):
    score = score_sentiment(line).score
    assert score <= thresholds.NEGATIVE, line
    assert score > thresholds.CRITICAL, line


@pytest.mark.parametrize(
    "line",
    [
        "my bike was stolen from the station, how do i claim",
        "i need to dispute the fine i got in the post",
        "i'd like to freeze my debit card for a few days",
        "i'm calling to close my late mother's account",
        "the shoes don't fit, how do i send them back",
        "i had a minor accident in the car park",
    ],
)
def test_more_requests_with_negative_words_stay_neutral(line):
    assert score_sentiment(line).label == "neutral", line


def test_a_negation_that_ends_its_clause_does_not_flip_the_next():
    # VADER looks three words back, across the comma: "not, i'm cancelling" read as "not cancelling".
    assert score_sentiment("and if they don't, i'm cancelling the lot").label == "negative"
    assert score_sentiment("no it isn't, it's broken again").label == "negative"
    assert score_sentiment("i'm not happy with the repair").label == "negative"
    assert score_sentiment("it's not bad at all").label == "positive"
