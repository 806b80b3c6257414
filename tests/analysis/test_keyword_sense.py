"""How a keyword is said: aimed at the company, only mentioned, or part of another word.

A threat lost costs more than a false alert: mentions need positive evidence, and
every shape is tested beside threats and requests that share its words, in
several Englishes and as speech to text writes them (lower case, no apostrophes)."""

import pytest

from tests.support.senses import senses


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        # someone else's
        ("my landlord's legal team sent the inventory over", "lawyer"),
        ("my daughter's football manager booked the minibus", "manager"),
        ("my landlords legal team sent the inventory over", "lawyer"),  # as speech to text writes it
        ("it came from my great-uncle's solicitor's office", "solicitor"),
        # what someone else is; the caller's own job when it is no legal trade
        ("my aunt's a solicitor in leeds, she recommended you", "solicitor"),
        ("my sisters a solicitor in leeds, she recommended you", "solicitor"),
        ("she's a barrister, it's hard to pin her down for dinner", "lawyer"),
        ("i'm a night supervisor at the depot so mornings suit me", "supervisor"),
        # a legal word before a noun that makes it a thing
        ("we met at a court reporter's conference", "court"),
        ("we've been watching a legal drama on telly", "legal"),
        ("the regulator valve on the tank is stiff", "regulator"),
        ("my neighbour's a retired crown court judge", "court"),  # round 15
        # a court as a place, or someone else in court
        ("the flats at Maple Court have no lift", "court"),
        ("my husband's a barrister and he's in court all week", "court"),
        # legal as a plain question or fact
        ("is it legal to fly a drone over the park", "legal"),
        ("apparently it's legal from sixteen", "legal"),
    ],
)
def test_mentions(text: str, keyword: str) -> None:
    assert senses(text)[keyword] == "mention"


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("i'll see you in court", "court"),
        ("i'll see you at the county court", "court"),
        ("we're filing at the small claims court on monday", "court"),
        ("i'll take you to court sir", "court"),
        ("see you in court buddy", "court"),
        ("i'm going to court yeah", "court"),
        ("i will be issuing court proceedings against you", "court"),
        ("any court would side with me", "court"),
        ("i'll go to the magistrates' court", "court"),
        ("i'll make sure this is in court by friday", "court"),
        ("my lawyer will be in touch", "lawyer"),
        ("our solicitors have the paperwork", "solicitor"),
        ("my divorce lawyer will hear about this", "lawyer"),
        ("i'm taking legal action", "lawyer"),
        ("we'll take legal action against you", "lawyer"),
        ("i'll send you a legal notice", "legal"),
        ("i'll be pursuing this legally", "legal"),
        ("i'm going legal now", "legal"),
        ("calling a lawyer right now", "lawyer"),
        ("i'll have a solicitor contact you", "solicitor"),
        ("get a lawyer asap", "lawyer"),
        ("expect a court claim from me", "court"),
        ("i'm reporting you to the regulator", "regulator"),
        ("i'll report you to the telecoms regulator", "regulator"),
        ("i'm filing a regulator complaint today", "regulator"),
        ("your company's legal team can explain it to a judge", "lawyer"),
        ("put me through to your manager", "manager"),
        ("i want to speak to the store manager", "manager"),
        ("i want to speak to the sales manager", "manager"),
        ("is there a supervisor i can talk to", "supervisor"),
        ("i'd like to speak to someone who is a manager please", "manager"),
        ("if you're a manager fine, if not get me one", "manager"),
        ("this is a complaint about your driver", "complaint"),
        ("i want to cancel", "cancel"),
        ("a solicitor's letter is on its way to you", "solicitor"),
        ("my nephew's a solicitor and he'll be in touch", "solicitor"),
        ("my wife's a lawyer and she's drafting a letter tonight", "lawyer"),
        ("my neighbour's a barrister, she's looked at your terms", "lawyer"),
        ("my cousin is a solicitor and she'll be writing to you", "solicitor"),
        ("my wifes a lawyer she'll ring you tomorrow", "lawyer"),
        ("my dad's a lawyer, he'll sort you out", "lawyer"),
        ("that's not legal, what you're doing", "legal"),
        ("is it even legal to charge that", "legal"),
        ("how is that legal", "legal"),
        ("is that legal what you're doing", "legal"),
        ("i'm a lawyer and this contract is unenforceable", "lawyer"),
        ("as a solicitor i can tell you that's unlawful", "solicitor"),
        ("he worked as an attorney and he says you're liable", "attorney"),
        ("a county court judge will decide it, not me", "court"),
        ("i'll be telling the court judge about this", "court"),
    ],
)
def test_threats_and_requests_stay_aimed(text: str, keyword: str) -> None:
    assert senses(text)[keyword] == "aimed"


def test_a_keyword_as_the_participle_half_of_a_hyphenated_word_is_a_compound() -> None:
    assert senses("my noise-cancelling earbuds stopped pairing")["cancel"] == "compound"
    assert senses("cancel the noise-cancelling order")["cancel"] == "aimed"  # one aimed use wins
    assert senses("i want this re-escalated")["escalate"] == "aimed"
    assert senses("we're going to the county-court")["court"] == "aimed"


def test_power_of_attorney_is_a_document() -> None:
    assert "attorney" not in senses("my son has power of attorney now")
