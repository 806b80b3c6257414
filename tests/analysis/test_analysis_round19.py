"""Round 19: keyword senses (each beside the threat that shares its words), swear
words that are names, birds and tools, and call-centre idioms read from
blind20's and caller_lines.blind16's misses, checked on new sentences."""

import pytest

from ingest.analysis import analyse_text, score_sentiment
from tests.support.senses import senses


@pytest.mark.parametrize(
    ("text", "keyword", "sense"),
    [
        # a person's word on something else: "says", "reckons" alone are no acting
        (
            "my brother-in-law's a lawyer and reckons it's legal from fourteen, but i'd rather ask",
            "lawyer",
            "mention",
        ),
        ("my uncle's a solicitor and said it was a fair price", "solicitor", "mention"),
        ("my aunt's an attorney and thinks the new kitchen looks great", "attorney", "mention"),
        ("my uncle's a solicitor and says that's a fair price for a sofa", "solicitor", "mention"),
        # ...but aimed when what they said holds the caller, the company or this
        ("my cousin's a solicitor and she says i should sue you", "solicitor", "aimed"),
        ("my brother's a lawyer and he told me to ring you", "lawyer", "aimed"),
        ("my sister's a solicitor and she said, honestly, you owe me", "solicitor", "aimed"),
        ("my sister's a solicitor and she said this is a breach", "solicitor", "aimed"),
        ("my dad's a lawyer and reckons we've got a case", "lawyer", "aimed"),
        # a dead person's estate is a private matter, the solicitor reporting on it no threat
        ("the solicitor handling mum's estate says the money comes through in june", "solicitor", "mention"),
        ("her late husband's estate is with a solicitor, so it'll take a while", "solicitor", "mention"),
        ("my solicitor is sorting out dad's estate and says you owe him a refund", "solicitor", "aimed"),
        # a manager of the place just named
        ("my post went to the old office and the manager there sent it on", "manager", "mention"),
        ("is the manager there", "manager", "aimed"),
        ("is the manager there now? i want to speak to them", "manager", "aimed"),
        # a thing or a device acts on nothing, whatever the caller goes on to say
        ("his court date is friday week, i'll be taking him myself", "court", "mention"),
        ("the pressure regulator's leaking on my gas bottle, do you sell them", "regulator", "mention"),
        ("the voltage regulator on the tractor is shot, i'll need a new one", "regulator", "mention"),
        ("and the voltage regulator shot do you carry the six volt one", "regulator", "mention"),
        ("i'll report you to the regulator", "regulator", "aimed"),
        ("the energy regulator's going to hear about this", "regulator", "aimed"),
        ("we've a court date with you in may", "court", "aimed"),
        # a recommendation of the company is why the caller rang, not a threat
        ("my solicitor said you'd be cheaper than the big firms, so here i am", "solicitor", "mention"),
        ("our attorney recommended your company for the paperwork", "attorney", "mention"),
        ("my solicitor said you'd be hearing from him", "solicitor", "aimed"),
        ("my solicitor said you're liable for the damage", "solicitor", "aimed"),
        ("my lawyer recommended that i sue you", "lawyer", "aimed"),
        # a court of another meaning, whatever the mood
        ("he's labelled a whole page the royal court series, whatever that is", "court", "other"),
        ("she'll be in court shoes, so nothing slippery on the floor", "court", "other"),
        ("the queen's court scenes were dreadful, the whole drama was a let down", "court", "other"),
        ("then i'll take you to court", "court", "aimed"),
        # a past cancellation told as why the caller rings to come back; a question of policy
        (
            "i cancelled my lesson last month because of my back, i'm ringing to book back in",
            "cancel",
            "other",
        ),
        ("we cancelled in june when the baby came, can we rebook for the autumn", "cancel", "other"),
        ("if the wind's too strong, do you cancel on the day", "cancel", "other"),
        ("i cancelled my last order, where's my refund", "cancel", "aimed"),
        ("do you cancel my order or do i", "cancel", "aimed"),
        ("why do you cancel every single booking i make", "cancel", "aimed"),
        ("can you cancel it today", "cancel", "aimed"),
        # suing what nobody can take to court is a joke
        ("honestly, i'd sue the rain if i could, it's ruined every barbecue", "sue", "other"),
        ("i could sue my dog for eating the remote, anyway, the new one", "sue", "other"),
        ("i'll sue the council and you with it", "sue", "aimed"),
        ("we'll sue the company that fitted it", "sue", "aimed"),
        # a legal person's good word on the company's terms
        ("my uncle's a solicitor and says your terms look perfectly reasonable", "solicitor", "mention"),
        ("my lawyer says your contract is unfair", "lawyer", "aimed"),
        # road legal, as street legal
        ("is the trailer road legal for the show, with those lights on", "legal", "mention"),
        ("that's not road legal and you know it", "legal", "aimed"),
    ],
)
def test_senses_of_round_19(text: str, keyword: str, sense: str) -> None:
    assert senses(text)[keyword] == sense


@pytest.mark.parametrize(
    ("text", "swearing"),
    [
        # a first name: after a relation or an introduction, or opening a clause before a verb
        ("i'll be playing with my uncle dick again this year", ()),
        ("hello, it's dick from the allotment society", ()),
        ("right, dick will bring the forms on monday", ()),
        ("dick and i have booked the twin room", ()),
        ("you dick", ("dick",)),
        ("don't be such a dick about it", ("dick",)),
        ("what a dick move that was", ("dick",)),
        ("stop being a dick, dick", ("dick",)),
        # a pigeon or a cockerel with its hen, loft or race; a tool
        ("my red chequer cock won the national from tours last year", ()),
        ("the young cock's back in the loft and eating well", ()),
        ("one cock and four hens, all vaccinated", ()),
        ("a twelve inch bastard file and a half round rasp, please", ()),
        ("you cock", ("cock",)),
        ("you lying bastard", ("bastard",)),
    ],
)
def test_names_birds_and_tools_are_no_swearing(text: str, swearing: tuple[str, ...]) -> None:
    assert analyse_text(text).profanity == swearing


@pytest.mark.parametrize(
    ("line", "label"),
    [
        # sarcasm and frustration idioms
        ("so much for next day delivery, it's been a week", "negative"),
        ("well, so much for the guarantee", "negative"),
        ("thank you so much for the quick reply", "positive"),
        ("thanks a lot for nothing, mate", "negative"),
        ("two hundred quid for that? you're having a laugh", "negative"),
        ("we were having a laugh with your driver, he's a good lad", "positive"),
        ("it's like talking to a brick wall with your billing team", "negative"),
        ("the whole move went pear-shaped after your van broke down", "negative"),
        ("we're getting nowhere, put me through to someone else", "negative"),
        # praise VADER cannot read
        ("the plumber was bang on time and tidied up after himself", "positive"),
        ("five stars from me, i'll tell everyone", "positive"),
        ("the online form was dead easy to fill in", "positive"),
        ("the fireworks blew me away, honestly", "positive"),
        ("i was going to leave but your colleague talked me round", "positive"),
        ("the bouncy castle was the star of the party", "positive"),
        ("the kids think the den is magic, they won't come in", "positive"),
        ("we're stoked with the new decking", "positive"),
        ("lekker, the braai packs arrived in time", "positive"),
    ],
)
def test_call_centre_idioms_of_round_19(line: str, label: str) -> None:
    assert score_sentiment(line).label == label, line


@pytest.mark.parametrize(
    ("line", "extreme"),
    [
        # an insult by implication, at the other party
        ("put me through to someone with a brain, please", True),
        ("can i talk to somebody who isn't a complete idiot", True),
        ("the dog's fine, no thanks to you lot", True),
        ("you had one job, deliver it on the day", True),
        ("you're someone with a brain for numbers, you'll sort it", False),
        ("no thanks, i'll wait for the email", False),
        # the f-word as an intensifier in a complaint; not in praise
        ("i've been stood in this fucking queue for an hour", True),
        ("the fucking parcel came smashed again", True),
        ("the lads did a fucking brilliant job, cheers", False),
        # alert keywords alone do not make a demand extreme; fury beside them still does
        ("cancel the whole order and refund me, and i'll be taking it to the ombudsman", False),
        ("i want this escalated and i want to make a formal complaint about the manager", False),
        ("i'm suing, my lawyer has the papers, you bunch of crooks", True),
        ("i'm suing you, this is a disgusting, disgraceful, appalling way to treat people", True),
    ],
)
def test_implied_insults_and_sworn_complaints_read_extreme(line: str, extreme: bool) -> None:
    assert (score_sentiment(line).score < -0.7) is extreme, line


@pytest.mark.parametrize(
    ("line", "label"),
    [
        # a legal word only mentioned carries no threat's weight; aimed, it does
        ("my sister's a solicitor, she popped in last week for the lamb", "neutral"),
        ("my cousin's an attorney in denver, she booked the table for us", "neutral"),
        ("my solicitor will be in touch", "negative"),
        ("i'll see you in court", "negative"),
    ],
)
def test_a_mentioned_legal_word_weighs_nothing(line: str, label: str) -> None:
    from ingest.analysis.sentiment import score_by_rules

    assert score_by_rules(line).label == label, line
