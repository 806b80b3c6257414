"""Cooldowns, escalation and merging in the engine's pure core."""

import dataclasses

import pytest
from alert_support import make_segment

from alerts import engine as engine_module
from alerts.config import AlertSettings, settings_from_mapping
from alerts.engine import AlertEngine, Verdict, evaluate_segment, merge_hits
from alerts.rules import RuleHit
from alerts.state import CallAlertState

# The disclosure rule has its own tests; keep it out of the way here.
QUIET = settings_from_mapping({"rules": {"missing_disclosure": {"enabled": False}}})


def test_several_rules_make_one_alert_at_the_highest_level_with_every_reason():
    engine = AlertEngine(QUIET)
    verdict = engine.on_segment(
        make_segment("I will sue you, you useless bastard, cancel everything", score=-0.91)
    )
    assert verdict == Verdict(
        "critical",
        ("keyword_detected", "legal_threat", "profanity", "very_negative"),
        (
            'keyword "cancel"',
            'legal threat "sue"',
            'profanity "bastard"',
            "very negative utterance (-0.91, below -0.70)",
        ),
    )


def test_merge_keeps_order_and_picks_the_highest_level():
    hits = [RuleHit("a", "urgent", "A"), RuleHit("b", "warning", "B"), RuleHit("c", "urgent", "C")]
    assert merge_hits(hits) == Verdict("urgent", ("a", "b", "c"), ("A", "B", "C"))
    assert merge_hits([]) is None


def test_cooldown_is_per_rule_and_runs_on_call_time():
    engine = AlertEngine(QUIET)
    assert engine.on_segment(make_segment("cancel", start=10)).rules == ("keyword_detected",)
    assert engine.on_segment(make_segment("cancel", start=69.9)) is None
    # Another rule is not held back by keyword_detected's cooldown.
    assert engine.on_segment(make_segment("cancel, damn it", start=30)).rules == ("profanity",)
    assert engine.on_segment(make_segment("cancel", start=70)).rules == ("keyword_detected",)


def test_cooldown_is_per_call():
    engine = AlertEngine(QUIET)
    assert engine.on_segment(make_segment("cancel", call_id="a", start=5)) is not None
    assert engine.on_segment(make_segment("cancel", call_id="b", start=6)) is not None
    assert engine.on_segment(make_segment("cancel", call_id="a", start=7)) is None


def test_zero_cooldown_fires_every_time_even_out_of_order():
    engine = AlertEngine(QUIET)
    assert engine.on_segment(make_segment("my lawyer", start=20)).rules == ("legal_threat",)
    assert engine.on_segment(make_segment("my lawyer", start=20)).rules == ("legal_threat",)
    assert engine.on_segment(make_segment("my lawyer", speaker="unknown", start=19)).rules == (
        "legal_threat",
    )


def test_a_segment_from_slightly_earlier_does_not_escape_the_cooldown():
    engine = AlertEngine(QUIET)
    engine.on_segment(make_segment("cancel", start=50))
    assert engine.on_segment(make_segment("cancel", speaker="unknown", start=48)) is None


def test_escalation_from_trend_to_severe_trend():
    engine = AlertEngine(QUIET)
    levels = []
    for n in range(1, 7):
        verdict = engine.on_segment(make_segment("no", score=-0.3, start=n * 5))
        engine.on_segment(
            make_segment("I'm so sorry to hear that", speaker="agent", score=0.4, start=n * 5 + 2)
        )
        levels.append(None if verdict is None else (verdict.level, verdict.rules))
    assert levels == [
        None,
        None,
        ("warning", ("negative_trend",)),
        None,  # negative_trend cooling down
        ("urgent", ("severe_negative_trend",)),  # escalates despite that
        None,
    ]


def test_a_cooling_warning_never_hides_a_critical():
    engine = AlertEngine(QUIET)
    engine.on_segment(make_segment("refund", start=1))
    verdict = engine.on_segment(make_segment("refund!", score=-0.8, start=2))
    assert verdict == Verdict(
        "critical", ("very_negative",), ("very negative utterance (-0.80, below -0.70)",)
    )


def test_evaluate_segment_is_pure():
    before = CallAlertState("call-1")
    after, verdict = evaluate_segment(QUIET, before, make_segment("cancel", start=3))
    assert before == CallAlertState("call-1")
    assert after.last_fired == {"keyword_detected": 3} and after.segments_seen == 1
    assert verdict is not None


def test_configured_rules_change_the_outcome():
    settings = settings_from_mapping(
        {
            "rules": {
                "keyword_detected": {"keywords": ["chargeback"], "cooldown_s": 0},
                "very_negative": {"threshold": -0.5, "level": "urgent"},
                "profanity": {"enabled": False},
                "missing_disclosure": {"enabled": False},
            },
            "custom_rules": {"retention": {"level": "critical", "keywords": ["switch provider"]}},
        }
    )
    engine = AlertEngine(settings)
    assert engine.on_segment(make_segment("cancel this shit")) is None
    verdict = engine.on_segment(make_segment("a chargeback, or I switch  provider", score=-0.6))
    assert verdict == Verdict(
        "critical",
        ("keyword_detected", "very_negative", "retention"),
        (
            'keyword "chargeback"',
            "very negative utterance (-0.60, below -0.50)",
            'retention "switch provider"',
        ),
    )


def test_end_call_takes_the_call_off_the_live_calls_and_a_straggler_is_judged_on_its_final_state():
    engine = AlertEngine(QUIET)
    first = engine.on_segment(make_segment("cancel", start=1))
    assert first is not None
    assert engine.live_calls == ("call-1",)
    engine.end_call("call-1")
    assert engine.live_calls == ()
    # The same words stored after the end repeat nothing the call already raised...
    assert engine.on_segment(make_segment("cancel", start=2)) == engine.on_segment(
        make_segment("cancel", start=3)
    )
    assert engine.live_calls == ()
    # ...and a new call starts from nothing.
    engine.start_call("call-2")
    assert engine.on_segment(make_segment("cancel", call_id="call-2", start=1)) is not None


def test_ended_calls_are_remembered_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "ENDED_CALLS_KEPT", 2)
    engine = AlertEngine(QUIET)
    for n in range(3):
        engine.start_call(f"c{n}")
        engine.end_call(f"c{n}")
    assert list(engine._ended) == ["c1", "c2"]


def test_default_settings_are_the_defaults():
    assert dataclasses.replace(AlertSettings()) == settings_from_mapping({})
