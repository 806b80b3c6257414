"""Each default rule on its own: pure functions, no I/O."""

import dataclasses

from alert_support import make_segment

from alerts.config import AlertSettings
from alerts.engine import evaluate_segment
from alerts.rules import (
    DEFAULT_KEYWORD_RULE,
    DEFAULT_LEGAL_RULE,
    DEFAULT_NEGATIVE_TREND,
    DEFAULT_SEVERE_TREND,
    DecliningCallRule,
    ProfanityRule,
    VeryNegativeRule,
    check_rule,
)
from alerts.state import CallAlertState

CALL = CallAlertState("call-1", segments_seen=1)


def test_keyword_detected_is_a_warning_naming_the_words():
    hit = check_rule(DEFAULT_KEYWORD_RULE, make_segment("I want a REFUND, or I cancel."), CALL)
    assert hit == ("keyword_detected", "warning", 'keyword "refund", "cancel"')


def test_keyword_detected_ignores_other_words_and_exceptions():
    assert check_rule(DEFAULT_KEYWORD_RULE, make_segment("the cancellation went fine"), CALL) is None
    assert check_rule(DEFAULT_KEYWORD_RULE, make_segment("please cancel the hold"), CALL) is None
    assert check_rule(DEFAULT_KEYWORD_RULE, make_segment("my account manager knows"), CALL) is None


def test_keywords_in_the_translation_count():
    segment = make_segment(
        "quiero hablar con su supervisor", translation="I want to speak to your supervisor"
    )
    assert check_rule(DEFAULT_KEYWORD_RULE, segment, CALL).reason == 'keyword "supervisor"'


def test_legal_threat_is_urgent():
    hit = check_rule(DEFAULT_LEGAL_RULE, make_segment("I'll take you to court, my lawyer will call"), CALL)
    assert hit == ("legal_threat", "urgent", 'legal threat "court", "lawyer"')


def test_profanity_from_the_text_and_from_the_analysis():
    rule = ProfanityRule()
    assert check_rule(rule, make_segment("this is bullshit"), CALL) == (
        "profanity",
        "urgent",
        'profanity "bullshit"',
    )
    assert check_rule(rule, make_segment("****", profanity=("shit",)), CALL).reason == 'profanity "shit"'
    assert check_rule(rule, make_segment("shitake mushrooms"), CALL) is None


def test_negative_trend_at_three_in_a_row():
    assert check_rule(DEFAULT_NEGATIVE_TREND, make_segment(consecutive_negative=2), CALL) is None
    hit = check_rule(DEFAULT_NEGATIVE_TREND, make_segment(consecutive_negative=3), CALL)
    assert hit == ("negative_trend", "warning", "3 negative utterances in a row")


def test_severe_negative_trend_at_five_in_a_row():
    assert check_rule(DEFAULT_SEVERE_TREND, make_segment(consecutive_negative=4), CALL) is None
    hit = check_rule(DEFAULT_SEVERE_TREND, make_segment(consecutive_negative=5), CALL)
    assert hit == ("severe_negative_trend", "urgent", "5 negative utterances in a row")


def test_very_negative_below_minus_point_seven():
    rule = VeryNegativeRule()
    assert check_rule(rule, make_segment(score=-0.7), CALL) is None
    hit = check_rule(rule, make_segment(score=-0.82), CALL)
    assert hit == ("very_negative", "critical", "very negative utterance (-0.82, below -0.70)")


def test_declining_call_on_the_rolling_average_once_there_is_a_trend():
    rule = DecliningCallRule()
    bad = make_segment(rolling=-0.45)
    assert check_rule(rule, bad, dataclasses.replace(CALL, segments_seen=2)) is None
    assert check_rule(rule, make_segment(rolling=-0.4), dataclasses.replace(CALL, segments_seen=3)) is None
    hit = check_rule(rule, bad, dataclasses.replace(CALL, segments_seen=3))
    assert hit == (
        "declining_call",
        "urgent",
        "call declining: rolling sentiment -0.45, below -0.40",
    )


def test_disabled_rules_and_other_speakers_do_not_fire():
    off = dataclasses.replace(DEFAULT_KEYWORD_RULE, enabled=False)
    callers_only = dataclasses.replace(DEFAULT_KEYWORD_RULE, speakers=("caller",))
    assert check_rule(off, make_segment("cancel"), CALL) is None
    assert check_rule(callers_only, make_segment("cancel", speaker="agent"), CALL) is None
    assert check_rule(callers_only, make_segment("cancel", speaker="caller"), CALL) is not None


def test_default_settings_hold_the_seven_rules_of_the_spec():
    table = {rule.name: (rule.level, rule.cooldown_s) for rule in AlertSettings().segment_rules}
    assert table == {
        "keyword_detected": ("warning", 60),
        "legal_threat": ("urgent", 0),
        "profanity": ("urgent", 120),
        "negative_trend": ("warning", 180),
        "severe_negative_trend": ("urgent", 120),
        "very_negative": ("critical", 60),
        "declining_call": ("urgent", 300),
    }


def test_low_confidence_skips_word_rules_only():
    settings = AlertSettings()
    shaky = make_segment("you fucking liar, cancel it", score=-0.9, confidence=0.2)
    _, verdict = evaluate_segment(settings, CallAlertState("call-1"), shaky)
    assert verdict.rules == ("very_negative",)
    sure = dataclasses.replace(shaky, confidence=0.95)
    _, verdict = evaluate_segment(settings, CallAlertState("call-1"), sure)
    assert verdict.rules == ("keyword_detected", "profanity", "very_negative")
