"""Round 17: more shapes of a legal word only mentioned, each beside the threat
that shares its words."""

import pytest

from ingest.analysis import score_sentiment
from tests.support.senses import senses


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        # a court as the place someone is
        ("i've got jury service at the crown court next week, so can we move the appointment", "court"),
        ("my dad's a judge at the county court, he's retired now", "court"),
        ("my husband's on jury duty at the magistrates court", "court"),
        ("i'm a witness at the crown court on tuesday, can we rebook", "court"),
        ("my mum works as an usher at the county court", "court"),
        # what someone the caller knows is, set off by commas
        ("my neighbour, a retired solicitor, recommended the service", "solicitor"),
        ("my sister's husband, an attorney, set the account up for us", "attorney"),
        # the caller's hedge before an opinion
        ("i'm not a lawyer, but that seems fine to me", "lawyer"),
        ("i'm no solicitor, so i wouldn't know", "solicitor"),
        # someone's own boss, or a manager of another place
        ("my old phd supervisor was a radio astronomer and he said get a small dobsonian", "supervisor"),
        ("right so, the practice manager at the surgery said you'd sort out the rest", "manager"),
        # a manager or supervisor somewhere else, a court to play on
        ("the store manager in cork sorted out my old phone, fair play to her", "manager"),
        ("the supervisor on my building site lets us take calls at lunch", "supervisor"),
        ("my son plays basketball, the court's just down the road from me", "court"),
        # what the caller says they do not want
        ("don't worry, i'm not ringing to cancel anything", "cancel"),
        ("i'm not after a refund, i just want to understand the charge", "refund"),
        ("you don't need to escalate anything, i just had a question", "escalate"),
        ("i don't want a refund, i just want it working", "refund"),
        ("i'm not here to complain", "complaint"),
    ],
)
def test_mentions(text: str, keyword: str) -> None:
    assert senses(text)[keyword] == "mention"


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        # something that grew worse (round 16's blind17, round 17's blind18)
        ("the kids' water fight escalated, as they do", "escalate"),
        ("the argument at the party escalated quickly", "escalate"),
        ("my fear of flying sort of escalates the closer i get to the airport", "escalate"),
        ("the fear it escalates when i see the airport", "escalate"),
        ("prices are escalating everywhere, so i'm glad your deal is fixed", "escalate"),
        # as speech to text writes it, without commas
        (
            "in the car i am fine in the train fine but the fear it escalates when i see the airport",
            "escalate",
        ),
        # a threat the speaker calls a joke
        ("just don't lose the hawk or he'll sue you, no i'm kidding, he'd only want another go", "sue"),
        ("my husband jokes he'll sue you if the hawk doesn't come back", "sue"),
    ],
)
def test_another_meaning_is_no_keyword_whatever_the_mood(text: str, keyword: str) -> None:
    assert senses(text)[keyword] == "other"


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("i'll see you at the county court", "court"),
        ("we'll meet at the small claims court then", "court"),
        ("i was at the county court yesterday filing the claim against you", "court"),
        ("i've been to the county court twice over this", "court"),
        ("my neighbour, a retired solicitor, says you can't charge that", "solicitor"),
        ("my solicitor, a very patient woman, will be writing to you", "solicitor"),
        ("a solicitor, that's who i'm calling next", "solicitor"),
        ("i'm not a lawyer, i'm getting one", "lawyer"),
        ("i'm not a lawyer but i'll be getting one", "lawyer"),
        ("i'm not a lawyer but i know my rights", "lawyer"),
        ("i'm not a lawyer but this is illegal", "lawyer"),
        ("i'm not kidding, i'll sue you", "sue"),
        ("joking aside, i will take you to court", "court"),
        ("are you kidding me? i'm cancelling", "cancel"),
        ("you must be joking, i want a refund", "refund"),
        ("this is a joke, i'm calling my solicitor", "solicitor"),
        ("the manager at your branch said you'd refund me", "manager"),
        ("put me through to your manager", "manager"),
        ("my wife's complaint is you never turned up", "complaint"),
        ("i want to make a complaint", "complaint"),
        ("i'm escalating this", "escalate"),
        ("put me through to the manager at the cork branch", "manager"),
        ("the manager at head office needs to call me today", "manager"),
        ("the manager on duty please", "manager"),
        ("get me the manager in charge", "manager"),
        ("i want the supervisor on your billing team", "supervisor"),
        ("i'll take you to court over the tennis lessons", "court"),
        ("i don't want to cancel, but i will if this isn't fixed", "cancel"),
        ("don't make me cancel", "cancel"),
        ("i haven't had a refund", "refund"),
        ("i want it cancelled", "cancel"),
        ("can it be cancelled today", "cancel"),
        ("please get it cancelled", "cancel"),
        ("it was supposed to be cancelled", "cancel"),
        ("has it been cancelled", "cancel"),
        ("you cancelled my order", "cancel"),
        ("they cancelled my order without telling me", "cancel"),
        ("i cancelled it last week and you still charged me", "cancel"),
        ("my contract should have been cancelled in may", "cancel"),
        ("i never got a refund from you", "refund"),
        ("i still haven't got a refund from the shop", "refund"),
        ("i'd like it refunded", "refund"),
        ("why didn't you cancel it when i asked", "cancel"),
        ("i'm not calling to complain, but this is the third time", "complaint"),
        ("you don't want me to escalate this, trust me", "escalate"),
        ("my cousin, who's an attorney in new york, is filing suit against y'all next week", "attorney"),
        ("this keeps escalating and nobody helps", "escalate"),
        ("i want it sorted and if nobody calls me it escalates from here", "escalate"),
    ],
)
def test_threats_stay_aimed(text: str, keyword: str) -> None:
    assert senses(text)[keyword] == "aimed"


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("much obliged, i'll drop it in on saturday", "positive"),
        ("the hampers went down a storm with the staff", "positive"),
        ("the lodge staff went above and beyond for us, please tell them", "positive"),
        ("the sauna's up to heat in fifteen minutes, exactly as promised", "positive"),
        ("the hut was spotless and the view was something else", "positive"),
        ("the engineer didn't come as promised", "negative"),
        ("i have been very patient, now kindly put me through to your supervisor", "negative"),
        ("you've been very patient with me, thank you", "positive"),
        ("kindly note the reference", "neutral"),
        ("is it all above board with a road kill bird, no paperwork?", "neutral"),
    ],
)
def test_call_centre_idioms_of_round_17(line: str, label: str) -> None:
    assert score_sentiment(line).label == label, line


def test_a_joke_in_another_sentence_leaves_a_threat_aimed():
    assert senses("she was only joking about it. i do want to cancel today")["cancel"] == "aimed"
