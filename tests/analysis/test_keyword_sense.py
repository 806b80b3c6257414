"""How a keyword is said: aimed at the company, only mentioned, or part of another word.

Each shape is tested on sentences of its own, beside threats that share its words."""

import pytest

from alerts.rules import DEFAULT_KEYWORD_RULE, DEFAULT_LEGAL_RULE
from ingest.analysis.keywords import keyword_senses_in

LEGAL = DEFAULT_LEGAL_RULE.keywords
KEYWORDS = DEFAULT_KEYWORD_RULE.keywords


def senses(text: str) -> dict[str, str]:
    return {**keyword_senses_in(text, LEGAL), **keyword_senses_in(text, KEYWORDS)}


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        # identity: what someone is
        ("my aunt's a solicitor in leeds, she recommended you", "solicitor"),
        ("i'm a night supervisor at the depot so mornings suit me", "supervisor"),
        ("he worked as an attorney before he retired", "attorney"),
        ("she became a manager last year", "manager"),
        # someone else's
        ("the landlord's legal team sent the inventory over", "lawyer"),
        ("my daughter's football manager booked the minibus", "manager"),
        # as speech to text writes it, without the apostrophe
        ("my landlords legal team sent the inventory over", "lawyer"),
        ("my sisters a solicitor in leeds, she recommended you", "solicitor"),
        # a legal word describing the next noun
        ("we met at a court reporter's conference", "court"),
        ("we've been watching a legal drama on telly", "legal"),
        # a court as a place, or someone else in court
        ("the flats at maple court have no lift", "court"),
        ("the flat is at 4 elm court, second floor", "court"),
        ("my husband's a barrister and he's in court all week", "court"),
        # legal as a quality
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
        ("my lawyer will be in touch", "lawyer"),
        ("our solicitors have the paperwork", "solicitor"),
        ("my divorce lawyer will hear about this", "lawyer"),
        ("i'm taking legal action", "lawyer"),
        ("we'll take legal action against you", "lawyer"),
        ("i'm filing a regulator complaint today", "regulator"),
        ("that's not legal, what you're doing", "legal"),
        ("is it even legal to charge that", "legal"),
        ("i'm a lawyer and this contract is unenforceable", "lawyer"),
        ("as a solicitor i can tell you that's unlawful", "solicitor"),
        ("my dad's a lawyer, he'll sort you out", "lawyer"),
        ("expect a court claim from me", "court"),
        ("i'm reporting you to the regulator", "regulator"),
        ("put me through to your manager", "manager"),
        ("i want to speak to the store manager", "manager"),
        ("is there a supervisor i can talk to", "supervisor"),
        ("this is a complaint about your driver", "complaint"),
        ("i want to cancel", "cancel"),
        ("a solicitor's letter is on its way to you", "solicitor"),
        ("my nephew's a solicitor and he'll be in touch", "solicitor"),
        ("my wife's a lawyer and she's drafting a letter tonight", "lawyer"),
        ("my neighbour's a barrister, she's looked at your terms", "lawyer"),
    ],
)
def test_threats_and_requests_stay_aimed(text: str, keyword: str) -> None:
    assert senses(text)[keyword] == "aimed"


def test_a_keyword_inside_a_hyphenated_word_is_a_compound() -> None:
    assert senses("my noise-cancelling earbuds stopped pairing")["cancel"] == "compound"
    assert senses("cancel the noise-cancelling order")["cancel"] == "aimed"  # one aimed use wins


def test_power_of_attorney_is_a_document() -> None:
    assert "attorney" not in senses("my son has power of attorney now")
