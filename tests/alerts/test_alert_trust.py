"""How much of a segment was heard clearly: the share of its words past the word gate."""

import dataclasses

import pytest
from alert_support import make_segment

from alerts.config import ConfigError, settings_from_mapping
from alerts.trust import heard_share
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
    with pytest.raises(ConfigError, match="min_heard_share: expected a number between 0 and 1"):
        settings_from_mapping({"rules": {"missing_disclosure": {"min_heard_share": 2}}})
    with pytest.raises(ConfigError, match="unverified_level"):
        settings_from_mapping({"rules": {"missing_disclosure": {"unverified_level": "loud"}}})
