"""bench/keyword_probe: its files load and its judgement goes through the alert engine."""

from alerts.config import AlertSettings
from bench.keyword_probe import main, probe_lines, raises_a_word_alert


def test_the_probe_files_hold_their_lines_without_comments():
    threats, harmless = probe_lines("threats"), probe_lines("harmless")
    assert len(threats) >= 100 and len(harmless) >= 50
    assert not [line for line in (*threats, *harmless) if line.startswith("#")]
    assert not set(threats) & set(harmless)


def test_a_calm_threat_raises_and_a_calm_mention_does_not():
    settings = AlertSettings()
    assert raises_a_word_alert(settings, "i'll be taking you to the small claims court")
    assert raises_a_word_alert(settings, "cancel my contract today please")
    assert not raises_a_word_alert(settings, "my line manager signed off my leave, so august it is")


def test_the_bench_prints_both_figures(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "threats" in out and "harmless" in out
