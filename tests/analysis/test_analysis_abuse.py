"""Directed abuse: insults aimed at the other party read as extreme; the same
words aimed elsewhere do not (labelled lines in data/lexicon/abuse_lines.tsv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.analysis import score_sentiment
from ingest.analysis.abuse import ABUSE_SCORE, directed_abuse
from ingest.analysis.thresholds import CRITICAL

LINES_FILE = Path(__file__).resolve().parents[2] / "data" / "lexicon" / "abuse_lines.tsv"


def labelled(kind: str) -> list[str]:
    rows = (line.split("\t") for line in LINES_FILE.read_text(encoding="utf-8").splitlines())
    return [row[1] for row in rows if len(row) == 2 and row[0] == kind]


@pytest.mark.parametrize("line", labelled("abuse"))
def test_abuse_at_the_other_party_is_very_negative(line: str) -> None:
    assert directed_abuse(line) is not None
    assert score_sentiment(line).score < CRITICAL


@pytest.mark.parametrize("line", labelled("not"))
def test_the_same_words_aimed_elsewhere_are_not_abuse(line: str) -> None:
    assert directed_abuse(line) is None


def test_both_kinds_are_there() -> None:
    assert len(labelled("abuse")) >= 20 and len(labelled("not")) >= 15


def test_abuse_only_ever_lowers_a_score() -> None:
    # Already beyond the floor ("you're all liars and thieves" reads -0.77 on its own).
    assert score_sentiment("you're all liars and thieves, you disgusting crooks").score < ABUSE_SCORE
    assert score_sentiment("you people are useless").score == ABUSE_SCORE


def test_negation_in_the_clause_undoes_it_but_not_across_clauses() -> None:
    assert directed_abuse("i'm not saying you're incompetent") is None
    assert directed_abuse("it's not working, you lot are useless") == "you lot are useless"
