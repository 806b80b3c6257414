"""Round 11 (issue 11): constructions, not sentences.

The classes come from the misses of the blind11 corpus and caller_lines.blind8
(read only after their first figures were recorded), but every sentence here
is new, and each class has lines beside it that share its words and must
keep their reading.
"""

import pytest

from ingest.analysis import score_sentiment
from ingest.analysis.abuse import directed_abuse
from ingest.analysis.keywords import keywords_in_unsure_exceptions, spot_keywords
from ingest.analysis.thresholds import CRITICAL
from tests.support.known_misreads import MODEL_MISREADS


@pytest.mark.parametrize(
    "line",
    [
        "the accounts manager at our place wants a copy of the receipt",
        "both our account managers are off this week",
        "my line manager's approval came through this morning",
        "i've cancelled the hold on the parcel already",
        "could you cancel thursday's visit and rebook us for the fourteenth",
        "we need to cancel the fitting and reschedule once the plaster dries",
        "can i rearrange the delivery for saturday and cancel the friday slot",
        "i'd like to cancel that lesson and rebook it after half term",
        "our practice manager asked me to check the invoice",
        "my duty supervisor has moved my shifts again",
        "can you cancel the reminder emails, i've paid now",
    ],
)
def test_a_keyword_inside_an_inflected_or_gapped_exception_is_harmless(line):
    found = spot_keywords(line)
    assert "manager" not in found and "cancel" not in found and "supervisor" not in found, line


@pytest.mark.parametrize(
    "line",
    [
        "good news, the refund for the cancelled lesson has arrived",
        "the refund for the broken lamp came through yesterday, thanks",
        "i got my refund this morning, that's all sorted",
    ],
)
def test_a_refund_that_has_come_is_no_grievance(line):
    assert "refund" not in spot_keywords(line), line


@pytest.mark.parametrize(
    "line",
    [
        "the refund for the cancelled lesson never arrived",
        "my refund still hasn't come through after six weeks",
        "i want a refund and i want it today",
        "put your supervisor on, my patience has run out",
        "in my opinion your manager should ring me back",
    ],
)
def test_a_refund_still_owed_or_a_manager_asked_for_still_counts(line):
    assert set(spot_keywords(line)) & {"refund", "supervisor", "manager"}, line


@pytest.mark.parametrize(
    ("line", "keyword"),
    [
        ("i want to speak to a manager about the accounts", "manager"),
        ("get me your manager, the accounts team are useless", "manager"),
        ("cancel the whole contract, i won't rebook with you", "cancel"),
        ("just cancel it, i'm never going to rebook after this", "cancel"),
        ("i want to cancel my membership today", "cancel"),
        ("cancel it and refund me, there's nothing to rebook", "cancel"),
        ("i'm cancelling, and you can tell your boss i said why", "cancel"),
    ],
)
def test_the_keyword_still_counts_outside_the_exception(line, keyword):
    assert keyword in spot_keywords(line), line


@pytest.mark.parametrize(
    "line",
    [
        "honestly it feels like we're being fobbed off every time we ring",
        "i've been palmed off onto three different departments",
        "they've given us the runaround since march",
        "we've been strung along with promises for weeks",
        "i'm sick of being messed about by your drivers",
        "i feel like i'm being ignored by the whole company",
        "what a shambles this whole booking has been",
        "what a joke of a service",
        "we were quite let down by the fitting, if i'm honest",
        "to be honest, i'm fed up of chasing this",
        "in all honesty the second visit was worse than the first",
        "oh brilliant, another password to remember",
        "oh great, more hoops to jump through",
        "brilliant, so i've wasted a whole morning waiting in",
        "great, so now the parcel is lost as well",
        "perfect, so i'm stuck without heating for another weekend",
    ],
)
def test_being_fobbed_off_exclamations_and_sarcastic_consequences_are_negative(line):
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "the driver was lovely, you've made my day",
        "we couldn't have asked for more from the team",
        "my mum's chuffed to bits with the new chair",
        "that's a real weight off my mind, thank you",
        "the kids are getting on famously with the new coach",
        "no fuss at all, the fitter was in and out before lunch",
        "what a lovely surprise, it arrived early",
        "perfect, so the engineer comes tomorrow then, thanks",
        "great, so that's all booked in for friday",
        "smashing, you've sorted it in one call",
        "oh that's handy, thank you",
        "to be honest the new driver was brilliant",
    ],
)
def test_understated_and_british_praise_is_positive(line):
    assert score_sentiment(line).label == "positive", line


@pytest.mark.parametrize(
    "line",
    [
        "i feel like the meter might be in the garage, i'll go and check",
        "nothing's wrong with the card, i just want a new pin",
        "it's only a question, nothing is wrong with the order",
        "what a time to call, sorry, is now all right",
        "oh great, another slot opened up on thursday",
        "another form to fill in is fine, just email it over",
        "so i pay the balance on arrival, is that right",
        pytest.param("keep your reference number handy when you ring", marks=MODEL_MISREADS),
        "i think it was the tuesday or something like that",
        "to be honest i don't mind which day it is",
    ],
)
def test_calm_lines_sharing_those_words_stay_calm_or_glad(line):
    assert score_sentiment(line).label != "negative", line


# Speech-to-text writes no punctuation (pocketsphinx never, tiny.en under the keyword
# prompt not either). The true-word corpora read without it lost alerts; these
# constructions must read the same with and without their commas.
def _bare(line: str) -> str:
    return " ".join(line.replace(",", " ").replace(".", " ").replace("?", " ").split())


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("no, that's everything for today", "neutral"),
        ("no, you're right, it's the twelfth", "neutral"),
        ("no, there's nothing else", "neutral"),
        ("so the refund was refused again, lovely", "negative"),
        ("oh fantastic, and now the app has logged me out", "negative"),
    ],
)
def test_answers_and_sarcasm_read_the_same_without_commas(line, label):
    assert score_sentiment(line).label == label, line
    assert score_sentiment(_bare(line)).label == label, _bare(line)


@pytest.mark.parametrize(
    "line",
    [
        "honestly, that's complete shit, i waited in all day",
        "this is bullshit, we pay every month for this",
        "i asked for one thing, you useless lot",
        "it's not rocket science, you absolute clowns",
    ],
)
def test_extreme_lines_stay_extreme_without_commas(line):
    assert score_sentiment(line).score <= CRITICAL, line
    assert score_sentiment(_bare(line)).score <= CRITICAL, _bare(line)


@pytest.mark.parametrize(
    "line", ["no one has rung me back since tuesday", "no idea why it keeps tripping and it's driving me mad"]
)
def test_a_bare_no_that_is_no_answer_stays_negative(line):
    assert score_sentiment(_bare(line)).label == "negative", _bare(line)


@pytest.mark.parametrize(
    "line",
    ["i'm not saying you're useless, it's the system", "it was a shit week and the boiler went as well"],
)
def test_a_negated_insult_or_an_adjective_swear_is_not_extreme_without_commas(line):
    assert score_sentiment(_bare(line)).score > CRITICAL, _bare(line)


def _heard(text: str, unsure: tuple[str, ...] = ()) -> list[tuple[str, float]]:
    return [(word, 0.2 if word in unsure else 0.9) for word in text.split()]


@pytest.mark.parametrize(
    ("text", "unsure", "excepted"),
    [
        ("the count manager sent it", ("count",), ("manager",)),
        ("our relation manager said so", ("relation",), ("manager",)),
        ("please cancel the visit and rebok it", ("rebok",), ("cancel",)),
        ("please cancel the fold on my card", ("fold",), ("cancel",)),  # unsure, one letter from 'hold'
        ("cancel it now i won't rebok", ("rebok",), ()),  # a negation in the gap
        ("the count manager is off so put your manager on", ("count",), ()),  # said again outside
        ("get me your bloody manager", ("bloody",), ()),  # nothing like an exception's word
        ("the count manager sent it", (), ()),  # heard surely: it was 'count'
    ],
)
def test_keywords_in_exceptions_heard_as_unsure_guesses(text, unsure, excepted):
    assert keywords_in_unsure_exceptions(_heard(text, unsure)) == excepted


@pytest.mark.parametrize(
    "line",
    [
        "you absolute halfwit, read the notes",
        "you lot are a bunch of numpties",
        "you pillock, i said tuesday",
    ],
)
def test_insult_nouns_aimed_at_the_other_party_are_abuse(line):
    assert directed_abuse(line), line
    assert score_sentiment(line).score <= CRITICAL, line


@pytest.mark.parametrize(
    "line",
    [
        "i felt a right numpty when i saw the date",
        "my brother's a bit of a prat about parking",
        "can you send me that useless form again, the link was broken",
        "did you see that useless referee last night",
    ],
)
def test_the_same_nouns_not_aimed_at_anyone_here_are_no_abuse(line):
    assert directed_abuse(line) is None, line
