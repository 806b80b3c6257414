"""Round 16 (the blind17 corpus): harmless senses of alert words read from their shape.

Each shape is tested beside threats and requests that share its words."""

import pytest

from ingest.analysis import score_sentiment, spot_keywords, spot_profanity
from tests.support.senses import senses


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        # a legal word nobody takes up
        ("she's a barrister, so there's a lot of court post", "court"),
        ("it's a retirement present from the legal department at my office", "legal"),
        ("the old courthouse is a cafe now, the court records went to the archive", "court"),
        # someone else sued, told as news
        ("is it true the club got sued by the marina a few years back", "sue"),
        ("the old owners were sued over the boundary, that's why it was cheap", "sue"),
        # the caller's details and homes, someone else's lawsuit told as news
        ("my legal name is katherine but everyone calls me kate", "legal"),
        ("i'm the legal guardian of my nephew, so i'm adding him", "legal"),
        ("i'm over eighteen so i'm legally allowed to open it myself", "legal"),
        ("i live at seven willow court", "court"),
        ("i live on court road, number twelve", "court"),
        ("some bloke sued a burger chain over hot coffee years ago, mad isn't it", "sue"),
        # someone else's word, reported
        ("the vet said his weight was, quote, unacceptable for his age", "unacceptable"),
    ],
)
def test_mentions(text: str, keyword: str) -> None:
    assert senses(text)[keyword] == "mention"


@pytest.mark.parametrize(
    "text",
    [
        "twenty copies of a boy named sue, please",
        "hello, it's sue from the tuesday club",
        "sue from accounts said you'd ring me back",
        "i'm sue, i called yesterday",
        "could you put a note for my wife, sue",
        "can you send it care of sue thompson",
        "sue, my sister, is the second account holder",
        "my wife sue is the main account holder",
    ],
)
def test_sue_as_a_name_is_no_keyword(text: str) -> None:
    assert senses(text)["sue"] == "name"


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("we'll let a court decide whether we owe you anything", "court"),
        ("the regulator would want to know about this", "regulator"),
        ("this will end up in court", "court"),
        ("it's going to court", "court"),
        ("the small claims court is the next step", "court"),
        ("a solicitor is looking at it", "solicitor"),
        ("calling a lawyer right now", "lawyer"),
        ("our legal department has the file", "legal"),
        ("the court can sort it out then", "court"),
        ("next stop, the court", "court"),  # the caller's own step: "next stop"
        ("i got sued because of your mistake", "sue"),
        ("we're being sued over this", "sue"),
        ("i'm going to sue", "sue"),
        ("that's a matter for the courts now, i'm afraid", "court"),
        ("legal action is the next step", "lawyer"),
        ("my advocate is preparing the legal notice", "legal"),
        ("is the regulator the next step, then", "regulator"),
        ("people have sued for less", "sue"),
        ("he sued them and won, and i'll do the same", "sue"),
        ("they sued us over the fence, you lot will be next", "sue"),
        ("we're now looking at litigation", "sue"),
        ("i'll take it to the consumer goods and services ombud", "ombudsman"),
        ("i'm suing", "sue"),
        ("i want this escalated", "escalate"),
        ("it's been escalated twice and nothing happened", "escalate"),
        ("escalate my complaint, please", "escalate"),
        ("i escalated it last week", "escalate"),
        ("this is, quote, unacceptable", "unacceptable"),  # the caller's own word, aimed at "this"
        ("honestly, it's unacceptable", "unacceptable"),
    ],
)
def test_threats_and_requests_stay_aimed(text: str, keyword: str) -> None:
    assert senses(text)[keyword] == "aimed"


@pytest.mark.parametrize(
    "line",
    [
        "that's really kind, the dog certainly won't complain either way",
        "i never complain about the price, it's worth it",
    ],
)
def test_complaining_said_not_to_happen_raises_nothing(line):
    assert not {"refund", "complaint"} & set(spot_keywords(line)), line


@pytest.mark.parametrize(
    "line",
    ["i'll complain to head office", "i want to complain", "you won't like it, but i will complain"],
)
def test_complaints_still_count(line):
    assert "complaint" in spot_keywords(line), line


@pytest.mark.parametrize(
    "line",
    [
        "my son's skin prick results came back clear",
        "the finger prick test didn't hurt",
        "the stop cock under the sink is seized",
        "our bitch is in season so she can't come to class",
        "spotted dick and custard for the party",
    ],
)
def test_trade_words_are_no_swearing(line):
    assert spot_profanity(line) == (), line


@pytest.mark.parametrize(
    "line",
    ["a skin prick test, you prick", "you stupid bitch", "what a dick", "the cock-up is all yours, prick"],
)
def test_swearing_beside_or_without_a_trade_word_still_counts(line):
    assert spot_profanity(line), line


@pytest.mark.parametrize(
    "line",
    [
        "would've been good to know that before we yarded the sheep",
        "it would have been nice to be told before i drove over",
        "it would be nice if someone rang me back for once",
        "a hold, i appreciate that, though i'd appreciate it more if i weren't being fined",
    ],
)
def test_praise_the_company_did_not_earn_said_as_a_counterfactual_is_a_complaint(line):
    assert score_sentiment(line).label == "negative", line


@pytest.mark.parametrize(
    "line",
    [
        "that would be nice, thank you",
        "it would be nice to have it by friday if you can",
        "i'd appreciate it if you could check",
        "you never know, it might just work",
    ],
)
def test_wishes_thanks_and_hope_keep_their_reading(line):
    assert score_sentiment(line).label != "negative", line
