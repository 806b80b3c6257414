import pytest

from ingest.analysis import analyse_text, score_sentiment, spot_keywords, spot_profanity
from ingest.analysis.spelling import SPELLINGS_FILE, fill_mask, load_spellings, normalise_spelling


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("dammit you people", "damn it you people"),
        ("Damnit, again?", "damn it, again?"),
        ("DAMMIT", "DAMN IT"),
        ("goddammit, god damn it and god-damn", "goddamn it, goddamn it and goddamn"),
        ("I'm pissed-off", "I'm pissed off"),
        ("a cancelation fee", "a cancellation fee"),
        ("a law-suit", "a lawsuit"),
    ],
)
def test_variants_are_written_the_one_known_way(said: str, written: str) -> None:
    assert normalise_spelling(said) == written


def test_masked_words_are_filled_in_from_the_profanity_list() -> None:
    assert (
        normalise_spelling("this f***ing thing, what a load of s***")
        == "this fucking thing, what a load of shit"
    )
    assert normalise_spelling("you a**hole") == "you asshole"
    assert normalise_spelling("F**K") == "FUCK"
    # Nothing to fill it from: left as it was.
    assert normalise_spelling("**** and x**y") == "**** and x**y"


def test_fill_mask_takes_the_first_word_of_the_right_length_and_letters() -> None:
    assert fill_mask("d***", ("damn", "dick")) == "damn"
    assert fill_mask("di**", ("damn", "dick")) == "dick"
    assert fill_mask("d**", ("damn", "dick")) is None


def test_words_that_merely_contain_a_variant_are_left_alone() -> None:
    for line in ("the damitol tablets", "a mother of two, a bull in a shop", "my cancelations-desk"):
        assert normalise_spelling(line) == line.replace("cancelations", "cancellations")


def test_normalising_is_idempotent() -> None:
    for line in ("dammit, god damn it", "f***ing pissed-off", "cancelation"):
        once = normalise_spelling(line)
        assert normalise_spelling(once) == once


def test_profanity_keywords_and_sentiment_all_read_the_variant() -> None:
    assert spot_profanity("dammit you people are useless") == ("damn",)
    assert spot_profanity("god damn it") == ("goddamn",)
    assert spot_profanity("what the f***") == ("fuck",)
    assert spot_keywords("the cancelation fee", ["cancel"]) == ("cancel",)
    assert spot_keywords("we filed a law suit", ["sue"]) == ("sue",)
    # VADER does not know "dammit"; it knows "damn".
    assert score_sentiment("dammit") == score_sentiment("damn it")
    assert score_sentiment("dammit").score < 0
    analysis = analyse_text("Dammit, I'm pissed-off")
    assert analysis.profanity == ("damn", "pissed")
    assert analysis.sentiment.score == score_sentiment("damn it, i'm pissed off").score


def test_every_entry_gives_its_reason_and_no_form_is_claimed_twice() -> None:
    import tomllib

    data = tomllib.loads(SPELLINGS_FILE.read_text(encoding="utf-8"))["spellings"]
    forms = [form for entry in data.values() for form in entry["forms"]]
    assert all(entry["reason"].strip() for entry in data.values())
    assert len(forms) == len(set(forms))
    assert len(load_spellings()) == len(forms)


def test_no_form_is_itself_a_known_spelling() -> None:
    # A form that is also a target would make the rewrite depend on order.
    table = load_spellings()
    assert not set(table) & set(table.values())
