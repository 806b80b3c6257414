"""How much of a segment was heard clearly: the share of its words past the word gate."""

import dataclasses

import pytest
from alert_support import make_segment

from alerts.config import ConfigError, settings_from_mapping
from alerts.engine import AlertEngine
from alerts.trust import heard_sentiment, heard_share
from ingest.analysis import score_sentiment
from ingest.events import WordConfidence


def with_words(*confidences: float, confidence: float = 0.5):
    words = tuple(WordConfidence(f"w{index}", c) for index, c in enumerate(confidences))
    return dataclasses.replace(make_segment(confidence=confidence), words=words)


def test_the_share_counts_words_at_or_above_the_gate():
    assert heard_share(with_words(0.9, 0.4, 0.39, 0.0), 0.4) == 0.5
    assert heard_share(with_words(0.99, 0.99, 0.01, 0.01, 0.01), 0.4) == pytest.approx(0.4)


def test_a_high_mean_from_a_few_sure_words_is_not_a_clear_line():
    # The mean (0.42) passes the sentiment gate; four of its six words were guesses.
    segment = with_words(1.0, 1.0, 0.2, 0.2, 0.05, 0.05, confidence=0.42)
    assert heard_share(segment, 0.4) == pytest.approx(1 / 3)


def test_without_per_word_figures_the_segment_confidence_stands_for_every_word():
    assert heard_share(make_segment(confidence=0.9), 0.4) == 1.0
    assert heard_share(make_segment(confidence=0.2), 0.4) == 0.0


def test_the_disclosure_settings_are_checked():
    with pytest.raises(ConfigError, match="report_unverified: expected true or false"):
        settings_from_mapping({"rules": {"missing_disclosure": {"report_unverified": "maybe"}}})
    with pytest.raises(ConfigError, match="unverified_level"):
        settings_from_mapping({"rules": {"missing_disclosure": {"unverified_level": "loud"}}})


def heard(text: str, confidences: list[float], **fields: object):
    words = tuple(WordConfidence(word, c) for word, c in zip(text.split(), confidences, strict=True))
    sentiment = score_sentiment(text)
    segment = make_segment(text, confidence=sum(confidences) / len(confidences), **fields)  # type: ignore[arg-type]
    return dataclasses.replace(
        segment, words=words, sentiment_score=sentiment.score, sentiment_label=sentiment.label
    )


GUESSED = "he died hello this call may be recorded a threat today"
GUESSED_CONFIDENCES = [0.06, 0.06, 0.99, 0.84, 0.39, 0.84, 0.84, 0.84, 0.20, 0.00, 0.07]


def test_sentiment_is_scored_over_the_words_heard_clearly():
    segment = heard(GUESSED, GUESSED_CONFIDENCES, speaker="agent")
    assert segment.sentiment_score < -0.7
    judged = heard_sentiment(segment, 0.4)
    assert judged.sentiment_label == "neutral" and judged.text == segment.text
    assert judged.words == segment.words


def test_the_clear_words_of_a_line_are_read_by_their_own_feeling_not_as_a_line():
    # "okay thank you" with only "you" heard clearly (0.12, 0.19, 0.997): the learned
    # line model, trained on whole lines, reads a lone "you" as a curt complaint.
    thanks = heard("okay thank you", [0.12, 0.19, 0.997])
    assert thanks.sentiment_label == "positive"
    assert heard_sentiment(thanks, 0.4).sentiment_label == "neutral"
    # The clear words keep their own feeling.
    rude = heard("er um well so you are useless", [0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9])
    assert heard_sentiment(rude, 0.4).sentiment_label == "negative"


def test_a_line_mostly_heard_or_without_word_figures_or_translated_keeps_its_score():
    # Right short words often get low posteriors on a clean line: half heard is heard.
    mostly = heard("what a terrible day", [0.12, 0.07, 0.9, 0.8])
    assert heard_sentiment(mostly, 0.4) is mostly
    plain = make_segment("this is terrible", score=-0.5, confidence=0.2)
    assert heard_sentiment(plain, 0.4) is plain
    translated = dataclasses.replace(
        heard("esto es terrible", [0.9, 0.1, 0.9], score=-0.5), translation="this is terrible", language="es"
    )
    assert heard_sentiment(translated, 0.4) is translated


def test_an_extreme_reading_must_rest_on_clearly_heard_words():
    # Recognised from "thanks, i can send you a full replacement box out today" (blind9,
    # end to end): half its words pass the gate, but the insult is two guesses.
    agent = heard(
        "and i can't then you fall replacement dog pound a day in all of you idiot on thursday",
        [
            0.93,
            1.0,
            0.44,
            0.78,
            0.68,
            0.01,
            0.44,
            0.0,
            0.01,
            0.05,
            0.05,
            0.56,
            0.07,
            0.02,
            0.12,
            0.03,
            0.75,
            0.45,
        ],
        speaker="agent",
    )
    assert agent.sentiment_score < -0.7 and heard_share(agent, 0.4) == 0.5
    assert heard_sentiment(agent, 0.4).sentiment_score > -0.7
    assert AlertEngine(settings_from_mapping({})).on_segment(agent) is None
    # "the third order in a row with something missing", 'third order' heard as a guessed "murderer".
    caller = heard(
        "this is the murderer in a row with something missing",
        [0.71, 0.89, 0.31, 0.19, 0.42, 0.17, 0.96, 0.97, 1.0, 0.95],
    )
    assert caller.sentiment_score < -0.7 < heard_sentiment(caller, 0.4).sentiment_score
    # Extreme on its clear words too: the line's own score stands.
    shouted = heard("you people are useless idiots", [0.9, 0.9, 0.3, 0.9, 0.9])
    assert heard_sentiment(shouted, 0.4) is shouted


def test_guessed_words_raise_no_sentiment_alert_unless_configured_to():
    segment = heard(GUESSED, GUESSED_CONFIDENCES, speaker="agent")
    assert AlertEngine(settings_from_mapping({})).on_segment(segment) is None
    every_word = AlertEngine(settings_from_mapping({"sentiment_on_heard_words": False}))
    assert every_word.on_segment(segment).rules == ("agent_conduct",)


def test_clearly_heard_negative_words_still_alert():
    segment = heard(
        "the military i'm sick and tired of your excuses this is unacceptable",
        [0.07, 0.07, 0.88, 0.82, 0.45, 1.0, 0.91, 1.0, 0.57, 0.9, 0.8, 0.76],
    )
    verdict = AlertEngine(settings_from_mapping({})).on_segment(segment)
    assert verdict is not None and "very_negative" in verdict.rules


def test_in_a_line_below_the_segment_gate_a_spot_does_not_rescue_a_guessed_keyword():
    # Babble on a quiet call: a neighbour's "refund" heard at 0.38 and spotted, in a line at 0.23.
    text = "the area he and i am help or high of seven to one anger and pain and a refund or a plane"
    confidences = [0.7, 0.93, 0.01, 0.39, 0.71, 0.16, 0.02, 0.08, 0.24, 0.01, 0.15, 0.34, 0.33]
    confidences += [0.04, 0.04, 0.0, 0.2, 0.17, 0.38, 0.1, 0.95, 0.18]
    babble = dataclasses.replace(heard(text, confidences), spotted=(WordConfidence("refund", 1.0),))
    assert babble.confidence < 0.3
    assert AlertEngine(settings_from_mapping({})).on_segment(babble) is None
    # A caller's line at the gate: the spot rescues "ombudsman" at 0.13.
    said = "i will be taking this to the ombudsman"
    clear = dataclasses.replace(
        heard(said, [0.86, 0.87, 1.0, 0.79, 0.56, 0.1, 0.13, 0.13]),
        spotted=(WordConfidence("ombudsman", 1.0),),
    )
    assert AlertEngine(settings_from_mapping({})).on_segment(clear).rules == ("legal_threat",)
    # A keyword heard clearly counts in any line.
    loud = heard("the military area i want a refund plane", [0.1, 0.05, 0.2, 0.2, 0.1, 0.1, 0.95, 0.1])
    assert loud.confidence < 0.3
    assert AlertEngine(settings_from_mapping({})).on_segment(loud).rules == ("keyword_detected",)
