"""Each default rule on its own: pure functions, no I/O."""

import dataclasses

from alert_support import make_segment

from alerts.config import AlertSettings
from alerts.engine import evaluate_segment, observe_moods
from alerts.rules import (
    DEFAULT_KEYWORD_RULE,
    DEFAULT_LEGAL_RULE,
    DEFAULT_NEGATIVE_TREND,
    DEFAULT_SEVERE_TREND,
    AgentConductRule,
    DecliningCallRule,
    ProfanityRule,
    VeryNegativeRule,
    check_rule,
)
from alerts.state import CallAlertState
from ingest.events import WordConfidence

CALL = CallAlertState("call-1", segments_seen=1)


def call_after(*lines: tuple[str, float]) -> CallAlertState:
    """The call's state after (speaker, score) lines, moods included."""
    call = CallAlertState("call-1")
    for speaker, score in lines:
        call = observe_moods(AlertSettings().segment_rules, call, make_segment(speaker=speaker, score=score))
    return call


def test_keyword_detected_is_a_warning_naming_the_words():
    hit = check_rule(DEFAULT_KEYWORD_RULE, make_segment("I want a REFUND, or I cancel."), CALL)
    assert hit == ("keyword_detected", "warning", 'keyword "refund", "cancel"')


def test_keyword_detected_ignores_other_words_and_exceptions():
    assert check_rule(DEFAULT_KEYWORD_RULE, make_segment("the fee is not cancellable, fine"), CALL) is None
    assert check_rule(DEFAULT_KEYWORD_RULE, make_segment("please cancel the hold"), CALL) is None
    assert check_rule(DEFAULT_KEYWORD_RULE, make_segment("my account manager knows"), CALL) is None


def test_a_keyword_inside_an_exception_heard_as_an_unsure_guess_is_no_alert():
    """Speech-to-text kept a clear "manager" and guessed at "account" (round 11)."""

    def heard(text: str, unsure: tuple[str, ...]) -> object:
        words = tuple(WordConfidence(word, 0.2 if word in unsure else 0.9) for word in text.split())
        return dataclasses.replace(make_segment(text), words=words)

    assert (
        check_rule(DEFAULT_KEYWORD_RULE, heard("high mile count manager asked me", ("count",)), CALL) is None
    )
    assert (
        check_rule(DEFAULT_KEYWORD_RULE, heard("can you cancel the visit and report it", ("report",)), CALL)
        is None
    )
    # Heard surely, the same words are what was said: "cancel the whole" is no hold.
    hit = check_rule(DEFAULT_KEYWORD_RULE, heard("high mile count manager asked me", ()), CALL)
    assert hit is not None and hit.reason == 'keyword "manager"'
    hit = check_rule(DEFAULT_KEYWORD_RULE, heard("cancel the whole thing", ()), CALL)
    assert hit is not None and hit.reason == 'keyword "cancel"'
    # An unsure word that sounds nothing like the exception's is no excuse.
    hit = check_rule(DEFAULT_KEYWORD_RULE, heard("get me your bloody manager", ("bloody",)), CALL)
    assert hit is not None and hit.reason == 'keyword "manager"'
    # Nor is one occurrence in an exception, when the keyword is said again outside it.
    hit = check_rule(
        DEFAULT_KEYWORD_RULE, heard("my count manager is away so get me yours manager", ("count",)), CALL
    )
    assert hit is not None


def test_faster_whispers_words_have_their_own_gate():
    """Its probabilities run lower than pocketsphinx's posteriors on words heard right,
    and a prompted keyword it writes without hearing it sits near zero."""
    settings = AlertSettings()
    text = "i will be taking this to the ombudsman"

    def said(engine: str, probability: float) -> object:
        words = tuple(
            WordConfidence(word, probability if word == "ombudsman" else 0.95) for word in text.split(" ")
        )
        segment = make_segment(text)
        return dataclasses.replace(segment, words=words, engine=engine)

    def raised(segment: object) -> bool:
        _, verdict = evaluate_segment(settings, CALL, segment)
        return verdict is not None and "legal_threat" in verdict.rules

    assert raised(said("whisper", 0.35))
    assert not raised(said("whisper", 0.02))  # written from the prompt, not heard
    assert not raised(said("sphinx", 0.35))  # pocketsphinx keeps min_confidence (0.4)
    assert raised(said("sphinx", 0.45))


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


def test_keywords_match_inflections_and_synonyms():
    hit = check_rule(
        DEFAULT_LEGAL_RULE, make_segment("I'm suing, my attorneys say the Ombudsmen agree"), CALL
    )
    assert hit.reason == 'legal threat "sue", "attorney", "ombudsman"'
    hit = check_rule(
        DEFAULT_KEYWORD_RULE, make_segment("I'm cancelling; put me through to a team leader"), CALL
    )
    assert hit.reason == 'keyword "cancel", "supervisor"'


def test_negative_trend_at_three_caller_lines_in_a_row():
    two = call_after(("caller", -0.3), ("caller", -0.3))
    assert check_rule(DEFAULT_NEGATIVE_TREND, make_segment(score=-0.3), two) is None
    three = call_after(("caller", -0.3), ("caller", -0.3), ("caller", -0.3))
    hit = check_rule(DEFAULT_NEGATIVE_TREND, make_segment(score=-0.3), three)
    assert hit == ("negative_trend", "warning", "3 negative caller utterances in a row")


def test_a_streak_through_a_neutral_line_says_it_was_read_in_context():
    # negative, neutral (held: no feeling of its own), negative: the dispute runs through it.
    held = call_after(("caller", -0.4), ("caller", 0.0), ("caller", -0.5))
    hit = check_rule(DEFAULT_NEGATIVE_TREND, make_segment(score=-0.5), held)
    assert hit == (
        "negative_trend",
        "warning",
        "3 negative caller utterances in a row (1 of them neutral, between complaints)",
    )
    # A positive line in between breaks it, as SPEC counts.
    broken = call_after(("caller", -0.4), ("caller", 0.4), ("caller", -0.5))
    assert check_rule(DEFAULT_NEGATIVE_TREND, make_segment(score=-0.5), broken) is None


def test_a_mixed_stream_reads_no_neutral_line_into_a_dispute():
    # On one recording of both parties the neutral line may be the agent's reply.
    mixed = call_after(("unknown", -0.4), ("unknown", 0.0), ("unknown", -0.5))
    assert check_rule(DEFAULT_NEGATIVE_TREND, make_segment(score=-0.5, speaker="unknown"), mixed) is None


def test_agent_lines_neither_break_nor_extend_the_callers_streak():
    apologised = call_after(
        ("caller", -0.4), ("agent", 0.6), ("caller", -0.5), ("agent", -0.3), ("caller", -0.2)
    )
    assert apologised.mood(("caller", "unknown")).consecutive_negative == 3
    assert check_rule(DEFAULT_NEGATIVE_TREND, make_segment(score=-0.2), apologised) is not None
    agents_only = call_after(("agent", -0.4), ("agent", -0.4), ("agent", -0.4))
    assert check_rule(DEFAULT_NEGATIVE_TREND, make_segment(score=-0.4, speaker="agent"), agents_only) is None


def test_a_mixed_stream_feeds_the_customer_rules():
    mixed = call_after(("unknown", -0.3), ("unknown", -0.3), ("unknown", -0.3))
    assert check_rule(DEFAULT_NEGATIVE_TREND, make_segment(score=-0.3, speaker="unknown"), mixed) is not None
    assert check_rule(DEFAULT_KEYWORD_RULE, make_segment("cancel", speaker="unknown"), CALL) is not None


def test_severe_negative_trend_at_five_in_a_row():
    four = call_after(*[("caller", -0.3)] * 4)
    assert check_rule(DEFAULT_SEVERE_TREND, make_segment(score=-0.3), four) is None
    five = call_after(*[("caller", -0.3)] * 5)
    hit = check_rule(DEFAULT_SEVERE_TREND, make_segment(score=-0.3), five)
    assert hit == ("severe_negative_trend", "urgent", "5 negative caller utterances in a row")


def test_very_negative_below_minus_point_seven():
    rule = VeryNegativeRule()
    assert check_rule(rule, make_segment(score=-0.7), CALL) is None
    hit = check_rule(rule, make_segment(score=-0.82), CALL)
    assert hit == ("very_negative", "critical", "very negative utterance (-0.82, below -0.70)")


def test_declining_call_on_the_callers_rolling_average_once_there_is_a_trend():
    rule = DecliningCallRule()
    line = make_segment(score=-0.45)
    assert check_rule(rule, line, call_after(("caller", -0.45), ("caller", -0.45))) is None
    exactly = call_after(("caller", -0.4), ("caller", -0.4), ("caller", -0.4))
    assert check_rule(rule, line, exactly) is None
    # Neutral agent lines between do not dilute the caller's decline.
    declining = call_after(
        ("caller", 0.2), ("agent", 0.0), ("caller", -0.6), ("agent", 0.0), ("caller", -0.5),
        ("agent", 0.0), ("caller", -0.6), ("caller", -0.7),
    )  # fmt: skip
    hit = check_rule(rule, line, declining)
    assert hit == (
        "declining_call",
        "urgent",
        "call declining: rolling sentiment -0.44, below -0.40",
    )


def test_declining_call_averages_the_last_window_lines_only():
    early_bad = call_after(*[("caller", -1.0)] * 3, *[("caller", 0.0)] * 3)
    assert check_rule(DecliningCallRule(), make_segment(), early_bad) is None
    assert check_rule(DecliningCallRule(window=6), make_segment(), early_bad) is not None


def test_agent_conduct_on_the_agents_profanity_or_a_very_negative_agent_line():
    rule = AgentConductRule()
    assert check_rule(rule, make_segment("oh damn, let me fix that", speaker="agent"), CALL) == (
        "agent_conduct",
        "urgent",
        'agent profanity "damn"',
    )
    hit = check_rule(rule, make_segment("that is a stupid question", speaker="agent", score=-0.75), CALL)
    assert hit.reason == "very negative agent utterance (-0.75, below -0.70)"
    assert check_rule(rule, make_segment("damn", speaker="caller", score=-0.9), CALL) is None
    assert check_rule(rule, make_segment("sorry to hear that", speaker="agent", score=-0.5), CALL) is None
    assert check_rule(rule, make_segment("damn", speaker="agent"), CALL, words_trusted=False) is None


def test_customer_rules_do_not_listen_to_the_agent():
    assert (
        check_rule(
            DEFAULT_KEYWORD_RULE, make_segment("may I ask why you want to cancel?", speaker="agent"), CALL
        )
        is None
    )
    assert check_rule(DEFAULT_LEGAL_RULE, make_segment("legal say no", speaker="agent"), CALL) is None
    assert check_rule(VeryNegativeRule(), make_segment(speaker="agent", score=-0.9), CALL) is None


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
        "agent_conduct": ("urgent", 120),
    }
    speakers = {rule.name: rule.speakers for rule in AlertSettings().segment_rules}
    assert speakers.pop("agent_conduct") == ("agent",)
    assert set(speakers.values()) == {("caller", "unknown")}
    assert AlertSettings().missing_disclosure.speakers == ("agent", "unknown")


def test_low_confidence_skips_word_rules_then_sentiment_rules():
    settings = AlertSettings()
    shaky = make_segment("you fucking liar, cancel it", score=-0.9, confidence=0.35)
    _, verdict = evaluate_segment(settings, CallAlertState("call-1"), shaky)
    assert verdict.rules == ("very_negative",)
    garbage = dataclasses.replace(shaky, confidence=0.2)  # "all evil illegal"
    after, verdict = evaluate_segment(settings, CallAlertState("call-1"), garbage)
    assert verdict is None and after.moods == {}
    sure = dataclasses.replace(shaky, confidence=0.95)
    _, verdict = evaluate_segment(settings, CallAlertState("call-1"), sure)
    assert verdict.rules == ("keyword_detected", "profanity", "very_negative")


def test_a_calm_caller_only_mentioning_a_legal_word_or_job_raises_nothing():
    calm = CALL
    assert (
        check_rule(
            DEFAULT_LEGAL_RULE, make_segment("my aunt's a solicitor, she sent me to you", score=0.3), calm
        )
        is None
    )
    assert (
        check_rule(DEFAULT_KEYWORD_RULE, make_segment("i'm a shift supervisor so evenings suit me"), calm)
        is None
    )
    # The same shapes in anger are threats: the line reads negative ...
    angry = make_segment("my aunt's a solicitor and she'll be hearing about this", score=-0.6)
    assert check_rule(DEFAULT_LEGAL_RULE, angry, calm).reason == 'legal threat "solicitor"'
    # ... or the caller's mood has turned, even on a line that reads neutral.
    soured = call_after(("caller", -0.6), ("caller", -0.5), ("caller", 0.0))
    flat = make_segment("my aunt's a solicitor, she has read the contract", score=0.0)
    assert check_rule(DEFAULT_LEGAL_RULE, flat, soured).reason == 'legal threat "solicitor"'
    # A keyword inside another word never counts, calm or not.
    headphones = make_segment("these noise-cancelling headphones are rubbish", score=-0.6)
    assert check_rule(DEFAULT_KEYWORD_RULE, headphones, soured) is None


def test_a_mildly_negative_line_alone_does_not_make_a_mention_a_threat():
    # Round 16 (blind17): a small mishap told calmly reads slightly negative.
    mishap = make_segment("she's a barrister, so there's a lot of court post, it gets lost", score=-0.3)
    assert check_rule(DEFAULT_LEGAL_RULE, mishap, call_after(("caller", 0.2), ("caller", -0.3))) is None
    # A line bad enough for a supervisor's attention, or a streak before it, still counts.
    upset = make_segment("she's a barrister, so there's a lot of court post, it gets lost", score=-0.6)
    assert check_rule(DEFAULT_LEGAL_RULE, upset, call_after(("caller", 0.2), ("caller", -0.6))) is not None
    streak = call_after(("caller", -0.4), ("caller", -0.3))
    assert check_rule(DEFAULT_LEGAL_RULE, mishap, streak) is not None


def test_a_word_in_another_meaning_raises_nothing_even_from_an_upset_caller():
    # Round 17 (blind18): a phobia that grows worse, a threat the caller calls a joke.
    upset = call_after(("caller", -0.6), ("caller", -0.6), ("caller", -0.8))
    fear = make_segment("the fear it escalates when i see the airport, at the gate i am shaking", score=-0.8)
    assert check_rule(DEFAULT_KEYWORD_RULE, fear, upset) is None
    jest = make_segment("he'll sue you if the hawk goes, no i'm kidding", score=-0.6)
    assert check_rule(DEFAULT_LEGAL_RULE, jest, upset) is None
    # The same words as a request or a threat still count.
    request = make_segment("escalate this when i'm off the phone", score=-0.6)
    assert check_rule(DEFAULT_KEYWORD_RULE, request, upset) is not None
    serious = make_segment("i'm not kidding, i'll sue you", score=-0.6)
    assert check_rule(DEFAULT_LEGAL_RULE, serious, upset) is not None


def test_reading_senses_can_be_turned_off():
    literal = dataclasses.replace(DEFAULT_LEGAL_RULE, senses=False)
    hit = check_rule(literal, make_segment("my aunt's a solicitor, she sent me to you", score=0.3), CALL)
    assert hit is not None and hit.reason == 'legal threat "solicitor"'
