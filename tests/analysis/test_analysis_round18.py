"""Round 18: an act said to be none, and new legal synonyms, each beside the
threat that shares its words."""

import pytest

from tests.support.senses import senses


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("i'm suing no one, i just want to know your opening hours", "sue"),
        ("if i win the lottery i'll sue nobody, i'll just retire", "sue"),
        ("we're not suing anybody, relax, i only want the tracking number", "sue"),
        ("there's no complaint here, i just want to change my address", "complaint"),
        ("no complaint from me, the driver was lovely", "complaint"),
    ],
)
def test_an_act_said_to_be_none_is_no_keyword_whatever_the_mood(text: str, keyword: str) -> None:
    assert senses(text)[keyword] == "other"


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("i'll sue nobody but you", "sue"),
        ("i'm not suing anyone yet", "sue"),
        ("i'm going to sue no matter what you say", "sue"),
        ("you've got no complaint on file?", "complaint"),
        ("there's no complaint logged and i rang three times", "complaint"),
        ("no complaint about the engineer, but the bill is wrong", "complaint"),
        ("i want to make a complaint", "complaint"),
        # round 18's synonyms
        ("i'm a paralegal myself and i'm filing the claim against you tonight", "sue"),
        ("i'll file a claim against your company", "sue"),
        ("i'm reporting you to the better business bureau", "regulator"),
    ],
)
def test_threats_stay_aimed(text: str, keyword: str) -> None:
    assert senses(text)[keyword] == "aimed"


def test_someone_elses_paralegal_is_a_mention() -> None:
    assert senses("my daughter's a paralegal, she's lovely")["lawyer"] == "mention"
