"""Round 5 (issue 11): complaint constructions, not sentences.

The classes come from the misses of the blind2 and blind3 corpora (read only
after their figures were recorded), but every sentence here is new: a
pattern that only knew its own example would fail them. Each negative class
has calm lines beside it that use the same words and must not turn negative
(a caller counting weeks to check a delivery date is not complaining).
"""

import re

import pytest

from ingest.analysis import score_sentiment
from ingest.analysis.complaints import compile_pattern, find_complaints
from ingest.analysis.sentiment import score_by_rules
from ingest.analysis.thresholds import CRITICAL


@pytest.mark.parametrize(
    "line",
    [
        # grievance connectives: the caller did their part, the company failed
        "they cut my gas off even though i'd paid the arrears",
        "the reading was estimated again despite me sending a photo",
        # elapsed time stated about the case
        "it's been nine days since the form went in",
        "and it's been over a month now",
        "that's what your colleague said two weeks ago",
        "six weeks, and not a word from anyone",
        # nobody acting, whatever the verb
        "nobody even opened the envelope",
        "nobody is answering the phone at the branch",
        # the company still doing what the caller wanted stopped
        "the bank is still charging me interest on a closed account",
        # a failure repeated
        "my delivery slot got moved again",
        "they've lost my passport application, again",
        "that's the fourth time this year",
        "i was told exactly that on friday",
        # passed between parties, expectations broken
        "the garage told me to ring you",
        "the refund was meant to clear on tuesday",
        "the lady in the shop told me insurance was included",
        "they're chasing me for a loan i never signed",
        # the company as the actor on the caller's money
        "you billed me for a router i sent back",
        "they've been debiting my account for a policy i cancelled",
        "the landlord is holding on to my whole deposit",
        "my pension fell by three thousand in the delay",
        "they valued my van at a grand under what it's worth",
        "three direct debits for the same phone",
        "we got home from the holiday to a bill of six hundred pounds",
        "i refuse to pay for a repair you botched",
        "the delay left us stranded at the airport",
        "i can't even touch my own money",
        "four hundred pounds left my account overnight",
        # consequences and shortfalls
        "the coach leaves after my ferry has gone",
        "fifty pounds won't cover the taxi",
        "we ran out of oil on sunday",
    ],
)
def test_a_complaint_construction_reads_negative(line):
    assert find_complaints(line), line
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "i ordered it three weeks ago and wanted to check the delivery date",
        "i moved in two months ago, can i set up an account",
        "the engineer is still working on it, he said he'll be done by five",
        "i've already paid, i just wanted to check it came through",
        "i've got the receipt here if you need the number",
        "somebody needs to sign for it, is that right",
        "even though i'm moving, i want to keep the account",
        "i'm keeping my number when i switch",
        "the fee is less than what i paid last year",
        "i'm not paying by card, can i do a bank transfer",
        "two weeks, that's fine, no rush",
        "fifteen minutes, that's fine, i'll hold",
        "they took it off my bill, thanks",
        "you took ten pounds off, that's very kind",
        "i've never used roaming before, how does it work",
        "can you send it again please, i deleted the email by mistake",
    ],
)
def test_the_same_words_said_calmly_do_not_read_negative(line):
    assert score_sentiment(line).label != "negative", line


def test_a_tenure_said_alone_is_not_negative_to_the_rules():
    """The rules read it neutral; the line model (issue 11) reads it negative (p 0.9):
    every tenure line in its training corpora opens a complaint ("i've been with you
    twelve years and ..."). A known misreading of the blend, kept visible here and in
    the README; one such line (-0.5, not extreme) alerts nothing on its own."""
    assert score_by_rules("i've been with you for ten years").label == "neutral"


@pytest.mark.parametrize(
    "line",
    [
        "is there a penalty if i leave early",
        "what compensation do i get for a cancelled train",
        "could you send me the transfer value",
        "i'd like to cancel the insurance on my old car",
    ],
)
def test_an_enquiry_that_states_no_complaint_is_neutral(line):
    assert score_sentiment(line).label == "neutral", line


@pytest.mark.parametrize(
    "line",
    [
        "i want to cancel my contract",  # a demand, not an enquiry
        "why is it so hard to get an answer",  # "why" opens a protest
        "can you tell me why my bill has doubled",  # it states a complaint
    ],
)
def test_demands_protests_and_stated_complaints_are_no_enquiry(line):
    assert score_sentiment(line).label == "negative", line


def test_a_line_final_term_of_address_carries_no_feeling():
    assert score_sentiment("it's in the cupboard, love").label == "neutral"
    assert score_sentiment("that's lovely, thank you love").label == "positive"


def test_though_contrasts_as_but():
    # "grateful" before the contrast no longer outweighs what follows it.
    assert score_sentiment("i'd be grateful, though you told me that last week too").label == "negative"


def test_polite_but_angry_openers_do_not_read_as_praise():
    assert score_sentiment("with respect, that's not what your colleague said").label == "negative"
    assert score_sentiment("with all due respect, i've sent it four times").label == "negative"


def test_pattern_slots_and_anchors():
    classes = {"unit": ("day",)}
    anchored = re.compile(compile_pattern("^ two {unit} ,", classes))
    assert anchored.match("two days, and nothing")
    assert not anchored.search("it took two days, fine")
    not_i = re.compile(compile_pattern("!i|we was supposed to", classes))
    assert not_i.search("it was supposed to")
    assert not not_i.search("i was supposed to")
    past = re.compile(compile_pattern("nobody <ed>", classes))
    assert past.search("nobody delivered it") and not past.search("nobody else")
    comma = re.compile(compile_pattern("<word> , again", classes))
    assert comma.search("lost it, again")


def test_an_opening_interjection_with_its_sarcastic_lead_before_a_complaint_is_sarcasm():
    assert score_sentiment("oh brilliant, the app has logged me out again").label == "negative"
    assert score_sentiment("well that's just lovely, another month of estimated bills").label == "negative"


def test_a_bare_opening_interjection_is_relief():
    # No "oh"/"well": real relief, even when the clause has worried words in it.
    assert score_sentiment("perfect, that's one less thing to worry about").label == "positive"
    assert score_sentiment("oh lovely, that's sorted then").label == "positive"


@pytest.mark.parametrize(
    "line",
    [
        "it's been nothing but hassle since the upgrade",  # "nothing but" is "only", no negation
        "the whole thing is a total joke",
        "honestly i'm running out of patience",
        "you lot never read the notes",
        "why is it so difficult to cancel a direct debit",
        "i couldn't get through to the claims line all morning",
        "the kettle icon has been spinning for twenty minutes",
        "right, we'll see, won't we",
    ],
)
def test_round5_idioms_and_protests_read_negative(line):
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "you never know, it might just work",
        "we'll see you on friday then, thanks",
        "the boiler's making a banging noise, could you send an engineer",
        "i've got a question about the late payment fee",
        "just checking the damage claim has gone through",
    ],
)
def test_reports_with_their_request_and_idioms_said_calmly_are_not_negative(line):
    assert score_sentiment(line).label != "negative", line


def test_a_complaint_outweighs_incidental_positive_words_but_not_thanks():
    # "courtesy" and "credit" are nouns here, not praise: the complaint is the point.
    assert score_sentiment("the courtesy phone they lent me has been dead since friday").label == "negative"
    # Thanks is weighed against the complaint as before, never overruled by it.
    assert score_sentiment("it took three weeks but thanks for getting it done").label == "positive"


def test_a_hedged_feeling_is_negative_but_not_extreme():
    # VADER sums the damage words on top of the feeling: -0.8 before round 9.
    line = "my box came and honestly i was a bit disappointed, the biscuits were crushed and the jam had leaked everywhere"
    assert CRITICAL < score_sentiment(line).score < 0
    assert score_sentiment(line).label == "negative"
    # The hedge caps only the hedged feeling: abuse in the same line stays extreme.
    assert score_sentiment("i'm a bit annoyed, you lot are useless idiots").score < CRITICAL
