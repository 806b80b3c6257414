"""Word rules judge the matched word's own confidence; untranscribed speech raises nothing."""

from __future__ import annotations

import dataclasses

from alert_support import make_segment

from alerts.config import AlertSettings
from alerts.engine import AlertEngine
from alerts.rules import DEFAULT_KEYWORD_RULE, DEFAULT_LEGAL_RULE, ProfanityRule, boost_keywords, check_rule
from alerts.state import CallAlertState
from ingest.events import WordConfidence

CALL = CallAlertState("call-1", segments_seen=1)


def words(*pairs: tuple[str, float]) -> tuple[WordConfidence, ...]:
    return tuple(WordConfidence(word, confidence) for word, confidence in pairs)


def test_a_clearly_heard_keyword_counts_in_a_mumbled_segment() -> None:
    # The "ombudsman" in a noise-padded segment: mean 0.388, the word itself 0.9.
    line = dataclasses.replace(
        make_segment("uh the ombudsman uh", confidence=0.2),
        words=words(("uh", 0.05), ("the", 0.1), ("ombudsman", 0.9), ("uh", 0.05)),
    )
    hit = check_rule(DEFAULT_LEGAL_RULE, line, CALL, min_word_confidence=0.4)
    assert hit is not None and hit.reason == 'legal threat "ombudsman"'
    assert AlertEngine(AlertSettings()).on_segment(line) is not None


def test_a_doubtful_keyword_does_not_count_in_a_confident_segment() -> None:
    line = dataclasses.replace(
        make_segment("i want to cancel today", confidence=0.8),
        words=words(("i", 0.95), ("want", 0.9), ("to", 0.9), ("cancel", 0.12), ("today", 0.95)),
    )
    assert check_rule(DEFAULT_KEYWORD_RULE, line, CALL, min_word_confidence=0.4) is None
    assert check_rule(DEFAULT_KEYWORD_RULE, line, CALL, min_word_confidence=0.1) is not None
    assert AlertEngine(AlertSettings()).on_segment(line) is None


def test_a_doubtful_keyword_counts_when_the_spotting_pass_heard_it_too() -> None:
    # The end-to-end run's "i'm suing your company": recognised exactly, "suing" at 0.13,
    # and the keyword-spotting pass heard "suing" over the same stretch.
    line = dataclasses.replace(
        make_segment("if it's not fixed today i'm suing your company", confidence=0.6),
        words=words(("if", 0.73), ("it's", 0.99), ("not", 1.0), ("fixed", 0.13), ("today", 0.05),
                    ("i'm", 0.4), ("suing", 0.13), ("your", 1.0), ("company", 1.0)),
    )  # fmt: skip
    assert AlertEngine(AlertSettings()).on_segment(line) is None
    agreed = dataclasses.replace(line, spotted=words(("suing", 1.0)))
    verdict = AlertEngine(AlertSettings()).on_segment(agreed)
    assert verdict is not None and "legal_threat" in verdict.rules


def test_a_doubtful_keyword_counts_when_the_spotting_pass_agrees_on_it() -> None:
    # Two independent searches over the same audio agree: "refund" at 0.39 in the
    # transcript, spotted there at closeness 1.0.
    line = dataclasses.replace(
        make_segment("nobody will give me a refund", confidence=0.4),
        words=words(("nobody", 0.3), ("will", 0.5), ("give", 0.4), ("me", 0.3), ("a", 0.2), ("refund", 0.39)),
        spotted=words(("refund", 1.0)),
    )
    assert AlertEngine(AlertSettings()).on_segment(line) is not None
    assert AlertEngine(AlertSettings()).on_segment(dataclasses.replace(line, spotted=())) is None
    # In a line below the segment gate (babble) the spot agrees with a guess: it does not count.
    assert AlertEngine(AlertSettings()).on_segment(dataclasses.replace(line, confidence=0.25)) is None


def test_an_inflected_keyword_is_judged_on_its_own_word() -> None:
    line = dataclasses.replace(
        make_segment("we are suing you", confidence=0.3),
        words=words(("we", 0.2), ("are", 0.2), ("suing", 0.85)),
    )
    assert check_rule(DEFAULT_LEGAL_RULE, line, CALL, min_word_confidence=0.4) is not None


def test_without_word_figures_the_segment_confidence_decides() -> None:
    assert (
        check_rule(
            DEFAULT_KEYWORD_RULE, make_segment("cancel", confidence=0.3), CALL, min_word_confidence=0.4
        )
        is None
    )
    assert check_rule(
        DEFAULT_KEYWORD_RULE, make_segment("cancel", confidence=0.5), CALL, min_word_confidence=0.4
    )


def test_profanity_is_judged_on_the_swear_word() -> None:
    # The correctly heard "crap" in a 0.088 segment.
    heard = dataclasses.replace(
        make_segment("this is crap", confidence=0.088),
        words=words(("this", 0.01), ("is", 0.01), ("crap", 0.7)),
    )
    assert check_rule(ProfanityRule(), heard, CALL, min_word_confidence=0.4) is not None
    doubtful = dataclasses.replace(
        heard, words=words(("this", 0.9), ("is", 0.9), ("crap", 0.2)), confidence=0.9
    )
    assert check_rule(ProfanityRule(), doubtful, CALL, min_word_confidence=0.4) is None


def test_a_keyword_only_spotted_counts_when_the_transcript_sounds_just_like_it() -> None:
    # The language model heard "attorneys" as "at honey"; the keyword-spotting pass heard "attorney".
    line = dataclasses.replace(
        make_segment("i will call my at honey", confidence=0.6), spotted=words(("attorney", 0.9))
    )
    hit = check_rule(DEFAULT_LEGAL_RULE, line, CALL, min_word_confidence=0.4)
    assert hit is not None and hit.reason == 'legal threat "attorney"'
    # Spots only loosely like the words over them were all false in the calibration
    # run ("complaint" on "for explaining" at 0.67, "court" on "sort of" at 0.75).
    loose = dataclasses.replace(line, spotted=words(("attorney", 0.75)))
    assert check_rule(DEFAULT_LEGAL_RULE, loose, CALL, min_word_confidence=0.4) is None
    assert AlertEngine(AlertSettings(min_spot_confidence=0.7)).on_segment(loose) is not None


def test_a_spot_of_a_keyword_the_transcript_has_only_inside_an_exception_is_excepted() -> None:
    # The transcript heard "my account manager" exactly; the spotting pass heard "manager" in it.
    line = dataclasses.replace(
        make_segment("hi my account manager asked me to call you", confidence=0.8),
        spotted=words(("manager", 1.0)),
    )
    assert check_rule(DEFAULT_KEYWORD_RULE, line, CALL) is None
    # Said outside the exception as well, it counts.
    both = dataclasses.replace(line, text="my account manager said ask for your manager")
    assert check_rule(DEFAULT_KEYWORD_RULE, both, CALL) is not None
    # A spot the transcript does not have at all still counts on its own.
    lost = dataclasses.replace(line, text="can i speak to your man ager", spotted=words(("manager", 0.9)))
    assert check_rule(DEFAULT_KEYWORD_RULE, lost, CALL) is not None


def test_untranscribed_speech_raises_nothing_and_moves_no_mood() -> None:
    engine = AlertEngine(AlertSettings())
    silent = dataclasses.replace(
        make_segment("", score=-0.9, start=40.0, speaker="agent", confidence=0.0),
        not_transcribed="no model for es",
    )
    assert engine.on_segment(silent) is None
    assert engine.state("call-1").segments_seen == 0


def test_boost_keywords_follow_the_enabled_keyword_rules_and_synonyms() -> None:
    rules = AlertSettings().segment_rules
    boosted = boost_keywords(rules)
    assert {"cancel", "lawyer", "attorney", "ombudsman", "supervisor"} <= set(boosted)
    assert "team leader" in boosted  # a synonym from data/lexicon/keywords.toml
    off = tuple(dataclasses.replace(r, enabled=False) if r.name == "legal_threat" else r for r in rules)
    assert "ombudsman" not in boost_keywords(off)


def test_acronyms_are_matched_but_not_boosted() -> None:
    """A decoder pushed towards "ftc" writes it for "see you"; the acronym still counts
    in a transcript that holds it."""
    from ingest.analysis.keywords import spot_keywords

    boosted = boost_keywords((DEFAULT_KEYWORD_RULE, DEFAULT_LEGAL_RULE))
    assert "ftc" not in boosted and "accc" not in boosted and "fca" not in boosted
    assert "ombudsman" in boosted and "ofcom" in boosted and "sue" in boosted
    assert "regulator" in spot_keywords("i'm reporting you to the ftc", DEFAULT_LEGAL_RULE.keywords)
