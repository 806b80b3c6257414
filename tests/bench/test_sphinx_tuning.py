"""The decoder-tuning benches' pure parts, and that their sentences stay apart from the e2e corpus."""

from __future__ import annotations

from pathlib import Path

from bench.asr import normalize
from bench.sphinx_spot_threshold import Observation, figures
from bench.sphinx_tuning import CONFIGS, HALVES, alert_words, load_sentences
from ingest.events import WordConfidence

DATA = Path(__file__).resolve().parents[2] / "data"


def test_the_tuning_sentences_are_not_the_evaluation_corpus() -> None:
    sentences = load_sentences()
    assert 40 <= len(sentences) <= 60
    texts = [path.read_text(encoding="utf-8") for path in (DATA / "insight").glob("*.toml")]
    corpus = " ".join(" ".join(normalize(text)) for text in texts)
    assert not [sentence for sentence in sentences if " ".join(normalize(sentence)) in corpus]


def test_the_halves_share_no_voice_and_the_configs_are_single_changes() -> None:
    assert not set(HALVES["A"]) & set(HALVES["B"])
    assert CONFIGS["default"] == {}
    assert all(len(options) <= 3 for options in CONFIGS.values())


def test_alert_words_read_keywords_profanity_and_spots_at_the_threshold() -> None:
    assert alert_words("dammit, i want to cancel and speak to your manager") == {"damn", "cancel", "manager"}
    spots = [WordConfidence("attorney", 0.9), WordConfidence("court", 0.7)]
    assert alert_words("i will call my at honey", 0.85, spots) == {"attorney"}
    assert alert_words("i will call my at honey", None, spots) == set()


def test_spot_figures_count_spots_by_keyword_length() -> None:
    observations = [
        Observation("v", frozenset({"attorney"}), frozenset(), (("attorney", 0.8, 5),)),
        Observation("v", frozenset(), frozenset(), (("court", 0.7, 3),)),
        Observation("v", frozenset({"cancel"}), frozenset({"cancel"}), ()),
    ]
    assert figures(observations, 2.0, 2.0) == (0.5, 1.0)  # the transcript alone
    assert figures(observations, 0.75, 0.75) == (1.0, 1.0)
    assert figures(observations, 0.6, 0.6) == (1.0, 2 / 3)
