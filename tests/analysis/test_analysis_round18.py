"""Round 18: keyword senses (each beside the threat that shares its words), legal
synonyms, swear words in their plain sense, one more disclosure shape."""

import pytest

from ingest.analysis import analyse_text
from tests.support.senses import senses


def test_a_paralegal_is_no_keyword_of_its_own() -> None:
    """Every synonym is also a speech-to-text hotword, and a rare one is heard where it
    was not said ("little sue patel" came out as "paralegal"): it stays off the list."""
    assert "lawyer" not in senses("my daughter's a paralegal, she's lovely")


@pytest.mark.parametrize(
    ("text", "keyword", "sense"),
    [
        # an act said to be none: another meaning whatever the mood
        ("i'm suing no one, i just want to know your opening hours", "sue", "other"),
        ("if i win the lottery i'll sue nobody, i'll just retire", "sue", "other"),
        ("we're not suing anybody, relax, i only want the tracking number", "sue", "other"),
        ("there's no complaint here, i just want to change my address", "complaint", "other"),
        ("no complaint from me, the driver was lovely", "complaint", "other"),
        # news of elsewhere, someone else's complaint: round 17's mentions, now another meaning
        ("my flight back from belfast got cancelled, so i won't be home till friday", "cancel", "other"),
        ("the tennis club cancelled practice, so i can take the call now", "cancel", "other"),
        ("the council refunded my parking fine, so happy days", "refund", "other"),
        ("i got a refund from the airline, so i can pay the bill now", "refund", "other"),
        ("i bought it after the first shop gave me a refund on the old one", "refund", "other"),
        ("our neighbour's only complaint so far is the shrieking, and fair enough", "complaint", "other"),
        # threats beside them, and round 18's synonyms
        ("i'll sue nobody but you", "sue", "aimed"),
        ("i'm not suing anyone yet", "sue", "aimed"),
        ("i'm going to sue no matter what you say", "sue", "aimed"),
        ("you've got no complaint on file?", "complaint", "aimed"),
        ("there's no complaint logged and i rang three times", "complaint", "aimed"),
        ("no complaint about the engineer, but the bill is wrong", "complaint", "aimed"),
        ("i want to make a complaint", "complaint", "aimed"),
        # round 18's synonyms
        ("i'm a paralegal myself and i'm filing the claim against you tonight", "sue", "aimed"),
        ("i'll file a claim against your company", "sue", "aimed"),
        ("i'm reporting you to the better business bureau", "regulator", "aimed"),
        # blind19's quiet calls (round 18)
        ("right, and one of them, little sue patel, she's graded ninety eight", "sue", "name"),
        ("but she also has a thyroid complaint, so we didn't know if it is connected", "complaint", "other"),
        (
            "a staff member made a complaint last year that the training room was too cold",
            "complaint",
            "other",
        ),
        ("a staff member made a complaint about your trainer last year", "complaint", "aimed"),
        ("my nan complains about everything, but she loves her new phone", "complaint", "other"),
        (
            "i'm a barrister, i have a court hearing on wednesday, so i need to work in the lounge",
            "court",
            "mention",
        ),
        (
            "i'm a barrister, i have a court hearing on wednesday, so i need to work in the lounge",
            "lawyer",
            "mention",
        ),
        ("i'm a solicitor myself, and i just want to update my email address", "solicitor", "mention"),
        ("okay, and my boss, the regional manager, he may come also", "manager", "mention"),
        # beside them, what stays aimed
        ("i'll sue patel and the lot of you", "sue", "aimed"),
        ("i made a complaint last week", "complaint", "aimed"),
        ("they made a complaint on my behalf", "complaint", "aimed"),
        ("i'd like to put in a complaint", "complaint", "aimed"),
        ("i'm a solicitor myself, so i know exactly what you owe me", "solicitor", "aimed"),
        ("i'm a lawyer and i know my rights", "lawyer", "aimed"),
        ("i'll see you in court", "court", "aimed"),
        # speech to text writes no commas: "my boss, the regional manager,"
        ("okay and my boss the regional manager he may come also can add one guest", "manager", "mention"),
        ("i want my boss the manager here", "manager", "aimed"),
        # "you know" far from the keyword is a filler, as speech to text writes it (round 18)
        (
            "so last year's prom got cancelled because of the ice storm the whole school lost power"
            " so this year she's going all out you know",
            "cancel",
            "other",
        ),
        ("my cousin's a lawyer you know", "lawyer", "aimed"),
        ("my cousin's a lawyer if you want to know", "lawyer", "aimed"),
        ("if you cancel my order again i'll sue", "cancel", "aimed"),
        # bench/keyword_probe's harmless lines (round 18; a development set)
        ("i cancelled with the other company, that's why i'm joining you", "cancel", "other"),
        ("we cancelled our old provider", "cancel", "other"),
        ("i need a statement for my solicitor, we're buying a house", "solicitor", "mention"),
        ("my dad's lawyer, nice fella, is handling his will, so i'm sorting his phone", "lawyer", "mention"),
        (
            "i work for a regulator myself, but i'm just calling about my broadband speed",
            "regulator",
            "mention",
        ),
        ("my buddy from hockey, he's a crown attorney, says hi, eh", "attorney", "mention"),
        # beside them, what stays aimed
        ("i cancelled my other account with you last week and you still charged me", "cancel", "aimed"),
        ("cancel my other account", "cancel", "aimed"),
        ("i cancelled my last order, where's my refund", "cancel", "aimed"),
        ("i cancelled my current plan last week", "cancel", "aimed"),
        ("my solicitor says the tenancy deposit has to come back", "solicitor", "aimed"),
        ("my solicitor is handling the house sale and says you owe me", "solicitor", "aimed"),
        ("my solicitor will handle it", "solicitor", "aimed"),
        ("i work for the regulator and this is a breach", "regulator", "aimed"),
        ("my cousin's a lawyer and she says you can't do this", "lawyer", "aimed"),
    ],
)
def test_senses_of_round_18(text: str, keyword: str, sense: str) -> None:
    assert senses(text)[keyword] == sense


@pytest.mark.parametrize(
    ("text", "swearing"),
    [
        ("we've taken in an old jenny and her foal, and a big grey ass from the sanctuary", ()),
        ("and our collie bitch has just had pups in the barn", ()),
        ("kiss my grey ass", ("ass",)),
        ("you're a lazy ass and a bitch", ("ass", "bitch")),
    ],
)
def test_animals_are_no_swearing(text: str, swearing: tuple[str, ...]) -> None:
    assert analyse_text(text).profanity == swearing


def test_we_are_recording_then_the_next_clause_discloses() -> None:
    from alerts.compliance import says_calls_are_recorded

    assert says_calls_are_recorded("metro billboards, i need to let you know we're recording, how can i help")
    assert not says_calls_are_recorded("we're recording a new hold message")


def test_a_plain_sense_swear_word_carries_no_feeling() -> None:
    from ingest.analysis.sentiment import score_by_rules

    plain = "we've taken in an old jenny and her foal, and a big grey ass from the sanctuary"
    assert score_by_rules(plain).label != "negative"
    assert score_by_rules("you're a lazy ass").label == "negative"


def test_a_disclosure_for_training_is_no_fair_trading() -> None:
    """Every multiword synonym is matched with a word a little off, so "fair trading" (tried
    in round 18) was heard in each "this call is recorded for training"."""
    from alerts.rules import DEFAULT_KEYWORD_RULE, DEFAULT_LEGAL_RULE
    from ingest.analysis.keywords import spot_keywords

    keywords = DEFAULT_LEGAL_RULE.keywords + DEFAULT_KEYWORD_RULE.keywords
    heard = "good morning the recording of this call is kept for training how can i help"
    assert spot_keywords(heard, keywords, tolerant=True) == ()
