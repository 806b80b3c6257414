"""The required-disclosure rule over a call's timeline."""

import dataclasses

import pytest
from alert_support import make_segment

from alerts.compliance import says_calls_are_recorded
from alerts.config import settings_from_mapping
from alerts.engine import AlertEngine
from ingest.events import UtteranceLate, WordConfidence

REASON = 'required disclosure ("this call may be recorded") not said by the agent in the first 30 s'


def agent(text, start, **kw):
    return make_segment(text, speaker="agent", start=start, **kw)


def caller(text, start, **kw):
    return make_segment(text, speaker="caller", start=start, **kw)


def rules_fired(engine, segments):
    return [(v.rules if (v := engine.on_segment(s)) else None) for s in segments]


def test_disclosure_said_in_time_raises_nothing():
    engine = AlertEngine(settings_from_mapping({}))
    fired = rules_fired(
        engine, [agent("Hello! This call may be recorded, for training.", 2), caller("ok fine", 40)]
    )
    assert fired == [None, None]
    assert engine.end_call("call-1") is None


def test_missing_disclosure_fires_once_on_the_agents_first_segment_past_the_deadline():
    engine = AlertEngine(settings_from_mapping({}))
    fired = rules_fired(
        engine,
        [
            agent("hello how can I help", 3),
            caller("hi there", 29),
            caller("so", 31),  # the agent's track may still be catching up
            agent("sure", 45),
            agent("anything else?", 50),
        ],
    )
    assert fired == [None, None, None, ("missing_disclosure",), None]
    assert engine.end_call("call-1") is None  # already reported


def test_a_late_arriving_agent_segment_before_the_deadline_still_counts():
    engine = AlertEngine(settings_from_mapping({}))
    fired = rules_fired(
        engine,
        [
            agent("hello", 1),
            caller("hi, I'm calling about my bill", 31),  # recognised first
            agent("this call may be recorded", 26),
            agent("how can I help", 34),
        ],
    )
    assert fired == [None, None, None, None]
    assert engine.end_call("call-1") is None


def late(start, settled=False, speaker="agent"):
    return UtteranceLate("call-1", speaker, start, start + 3, settled)


def test_an_agent_line_of_the_window_gone_late_holds_the_deadline_until_it_is_judged():
    # Overload: the agent's disclosure at 6 s waits in the spool while the agent's
    # next lines are stored; it comes back after them (SPEC: a late segment cannot
    # cause a false alert).
    engine = AlertEngine(settings_from_mapping({}))
    assert engine.on_late_utterance(late(6.0)) is None
    assert rules_fired(engine, [agent("hello", 1), agent("how can I help", 35), agent("right", 40)]) == [
        None,
        None,
        None,
    ]
    assert rules_fired(
        engine, [dataclasses.replace(agent("this call is recorded for training", 6.0), late=True)]
    ) == [None]
    assert engine.on_late_utterance(late(6.0, settled=True)) is None
    assert engine.end_call("call-1") is None


def test_a_held_deadline_fires_once_the_last_late_line_settles_without_the_phrase():
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_late_utterance(late(6.0))
    engine.on_late_utterance(late(12.0))
    engine.on_late_utterance(late(8.0, speaker="caller"))  # the caller's cannot hold it
    assert rules_fired(engine, [agent("hello", 1), agent("how can I help", 35)]) == [None, None]
    assert rules_fired(engine, [dataclasses.replace(agent("my name is sam", 6.0), late=True)]) == [None]
    assert engine.on_late_utterance(late(6.0, settled=True)) is None  # 12 s still waits
    verdict = engine.on_late_utterance(late(12.0, settled=True))  # recognised as nothing at all
    assert verdict is not None and verdict.rules == ("missing_disclosure",)
    assert engine.end_call("call-1") is None  # reported once


def test_a_late_line_past_the_window_or_a_late_caller_line_holds_nothing():
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_late_utterance(late(31.0))
    engine.on_late_utterance(late(5.0, speaker="caller"))
    assert rules_fired(engine, [agent("hello", 1), agent("how can I help", 35)]) == [
        None,
        ("missing_disclosure",),
    ]


def test_misheard_and_translated_disclosures_count():
    for said in (
        "good call may be recorded",
        "this call maybe recorded for training",
        "talk may be recorded",
        "This call can be recorded",
    ):
        engine = AlertEngine(settings_from_mapping({}))
        engine.on_segment(agent(said, 2))
        assert engine.on_segment(agent("right", 40)) is None, said
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(agent("Esta llamada puede ser grabada", 2, translation="This call can be recorded"))
    assert engine.on_segment(agent("bien", 40)) is None


def test_unrelated_sentences_are_no_disclosure():
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(agent("this call may be transferred", 2))
    assert engine.on_segment(agent("right", 40)).rules == ("missing_disclosure",)


def test_the_alert_carries_level_and_reason():
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(agent("hello", 1))
    verdict = engine.on_segment(agent("hi", 31))
    assert verdict.level == "urgent"
    assert verdict.reasons == (REASON,)


def test_said_too_late_still_fires():
    engine = AlertEngine(settings_from_mapping({}))
    assert engine.on_segment(agent("by the way this call may be recorded", 35)).rules == (
        "missing_disclosure",
    )


def test_only_the_agent_disclosure_counts():
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(caller("is this call being recorded? this call may be recorded?", 5))
    assert engine.on_segment(caller("well?", 31)) is None
    assert engine.on_segment(agent("yes", 33)).rules == ("missing_disclosure",)


def test_unknown_speaker_counts_on_a_mixed_stream():
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(make_segment("this call is being recorded", speaker="unknown", start=4))
    assert engine.on_segment(make_segment("fine", speaker="unknown", start=40)) is None


def test_phrase_cut_across_two_utterances_counts():
    engine = AlertEngine(settings_from_mapping({}))
    rules_fired(
        engine,
        [
            agent("Thanks for calling. This call", 2),
            caller("hello?", 3),
            agent("may be recorded.", 4),
        ],
    )
    assert engine.on_segment(caller("right", 50)) is None


def test_call_that_ends_early_without_disclosure():
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(agent("hello", 1))
    verdict = engine.end_call("call-1")
    assert verdict.rules == ("missing_disclosure",) and verdict.reasons == (REASON,)


def test_silent_call_ending_raises_nothing():
    engine = AlertEngine(settings_from_mapping({}))
    engine.start_call("call-1")
    assert engine.end_call("call-1") is None


def test_phrases_and_deadline_are_configurable():
    settings = settings_from_mapping(
        {
            "rules": {
                "missing_disclosure": {
                    "phrases": ["calls are monitored"],
                    "within_s": 10,
                    "level": "warning",
                }
            }
        }
    )
    engine = AlertEngine(settings)
    engine.on_segment(agent("this call may be recorded", 2))
    verdict = engine.on_segment(agent("ok", 11))
    assert (verdict.level, verdict.rules) == ("warning", ("missing_disclosure",))
    assert "in the first 10 s" in verdict.reasons[0]

    engine = AlertEngine(settings)
    engine.on_segment(agent("All CALLS ARE MONITORED.", 2))
    assert engine.on_segment(agent("ok", 11)) is None


def test_merges_with_other_rules_on_the_same_utterance():
    # On a mixed stream one line is read both as the customer and as the agent.
    engine = AlertEngine(settings_from_mapping({}))
    verdict = engine.on_segment(make_segment("I want to cancel", speaker="unknown", start=31))
    assert verdict.rules == ("keyword_detected", "missing_disclosure")
    assert verdict.level == "urgent"


def test_disabled():
    engine = AlertEngine(settings_from_mapping({"rules": {"missing_disclosure": {"enabled": False}}}))
    assert engine.on_segment(agent("hi", 31)) is None
    assert engine.end_call("call-1") is None


def test_a_segment_after_the_end_cannot_raise_the_disclosure_again():
    # A connection cut mid-call (a flood) can leave utterances in recognition that
    # are stored after the call ended: the end judged the disclosure once.
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(agent("hello", 1))
    assert engine.end_call("call-1") is not None
    assert engine.on_segment(agent("how can i help", 40)) is None
    assert "call-1" not in engine.live_calls
    straggler = engine.on_segment(caller("i will call my lawyer", 45))
    assert straggler is not None and "legal_threat" in straggler.rules


def test_a_silent_call_is_not_judged_again_by_a_straggler():
    engine = AlertEngine(settings_from_mapping({}))
    engine.start_call("call-1")
    assert engine.end_call("call-1") is None
    assert engine.on_segment(agent("hello", 40)) is None


def heard_as(text, start, confidences, speaker="agent"):
    """An agent line with per-word confidences (a noisy line: most words guessed)."""
    words = tuple(WordConfidence(word, c) for word, c in zip(text.split(), confidences, strict=True))
    segment = make_segment(text, speaker=speaker, start=start, confidence=sum(confidences) / len(confidences))
    return dataclasses.replace(segment, words=words)


# An agent line under babble: mean confidence 0.23, nothing like the phrase.
BABBLE = "the military at i can't i mean we love them"
BABBLE_CONFIDENCES = [0.25, 0.03, 0.82, 0.20, 0.03, 0.13, 0.24, 0.06, 0.30, 0.07]
UNVERIFIED_REASON = (
    'could not verify the required disclosure ("this call may be recorded"): the agent\'s speech'
    " in the first 30 s was too unclear to judge (1 unclear line; noise?)"
)


def test_an_agent_drowned_in_babble_raises_a_notice_not_the_urgent_alert():
    # The agent's only line in the window is below the segment gate: it cannot
    # show the phrase missing (SPEC: segments below the confidence thresholds raise no alert).
    engine = AlertEngine(settings_from_mapping({}))
    assert engine.on_segment(heard_as(BABBLE, 0.3, BABBLE_CONFIDENCES)) is None
    verdict = engine.on_segment(agent("is there anything else", 32))
    assert (verdict.level, verdict.rules, verdict.reasons) == (
        "warning",
        ("disclosure_unverified",),
        (UNVERIFIED_REASON,),
    )
    assert engine.end_call("call-1") is None  # judged once


def test_the_notice_also_comes_at_the_end_of_a_short_call():
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(heard_as(BABBLE, 0.3, BABBLE_CONFIDENCES))
    assert engine.end_call("call-1").rules == ("disclosure_unverified",)


def test_an_agent_heard_clearly_without_the_phrase_is_alerted_even_beside_unclear_lines():
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(heard_as(BABBLE, 0.3, BABBLE_CONFIDENCES))
    engine.on_segment(heard_as("hello how can i help you today", 9, [0.9, 0.8, 0.3, 0.9, 0.95, 0.7, 0.6]))
    verdict = engine.on_segment(agent("anything else", 35))
    assert (verdict.level, verdict.rules, verdict.reasons) == ("urgent", ("missing_disclosure",), (REASON,))


def test_a_disclosure_heard_only_in_part_cannot_be_verified_even_from_a_clear_line():
    # "thank you for calling customer service, this call may be recorded" under babble.
    engine = AlertEngine(settings_from_mapping({}))
    garbled = "you got boggling customer service fiscal leave the record"
    engine.on_segment(heard_as(garbled, 0.3, [0.19, 0.10, 0.08, 0.99, 0.99, 0.05, 0.08, 0.89, 0.34]))
    verdict = engine.on_segment(agent("is there anything else", 32))
    assert (verdict.level, verdict.rules) == ("warning", ("disclosure_unverified",))
    assert verdict.reasons == (
        'could not verify the required disclosure ("this call may be recorded"):'
        ' only part of it was heard ("the record")',
    )
    # Nothing near the phrase: a clearly heard agent who never said it is alerted.
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(agent("hello how can i help you, can i have your postcode", 1))
    assert engine.on_segment(agent("is there anything else", 32)).rules == ("missing_disclosure",)
    # near_cost at max_cost turns the near miss off.
    engine = AlertEngine(settings_from_mapping({"rules": {"missing_disclosure": {"near_cost": 0.45}}}))
    engine.on_segment(heard_as(garbled, 0.3, [0.19, 0.10, 0.08, 0.99, 0.99, 0.05, 0.08, 0.89, 0.34]))
    assert engine.on_segment(agent("is there anything else", 32)).rules == ("missing_disclosure",)


def test_a_disclosure_heard_in_an_unclear_line_still_counts():
    engine = AlertEngine(settings_from_mapping({}))
    said = "the military this call may be recorded lottery island dinner"
    engine.on_segment(heard_as(said, 1, [0.01, 0.03, 0.6, 0.5, 0.3, 0.2, 0.35, 0.05, 0.02, 0.01]))
    assert engine.on_segment(agent("anything else", 35)) is None
    assert engine.end_call("call-1") is None


def test_an_agent_silent_in_the_window_is_alerted_as_before():
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(caller("hello? is anyone there", 3))
    assert engine.on_segment(agent("sorry, how can i help", 34)).rules == ("missing_disclosure",)


def test_the_notice_can_be_turned_off_or_raised_and_the_gate_changed():
    quiet = settings_from_mapping({"rules": {"missing_disclosure": {"report_unverified": False}}})
    engine = AlertEngine(quiet)
    engine.on_segment(heard_as(BABBLE, 0.3, BABBLE_CONFIDENCES))
    assert engine.on_segment(agent("anything else", 35)) is None
    assert engine.end_call("call-1") is None

    louder = settings_from_mapping({"rules": {"missing_disclosure": {"unverified_level": "urgent"}}})
    engine = AlertEngine(louder)
    engine.on_segment(heard_as(BABBLE, 0.3, BABBLE_CONFIDENCES))
    assert engine.end_call("call-1").level == "urgent"

    # The segment gate is the sentiment rules' (min_sentiment_confidence).
    lenient = settings_from_mapping({"min_sentiment_confidence": 0.2})
    engine = AlertEngine(lenient)
    engine.on_segment(heard_as(BABBLE, 0.3, BABBLE_CONFIDENCES))
    assert engine.end_call("call-1").rules == ("missing_disclosure",)


def test_on_a_mixed_stream_a_clear_line_beside_an_unclear_one_cannot_show_the_phrase_missing():
    # The clear line may be the caller's; the unclear one may have held the disclosure.
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(heard_as(BABBLE, 0.3, BABBLE_CONFIDENCES, speaker="unknown"))
    engine.on_segment(make_segment("i'm calling to pay my gas bill", speaker="unknown", start=9))
    assert engine.end_call("call-1").rules == ("disclosure_unverified",)
    # Every line clear and no phrase: alerted, as on two legs.
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(make_segment("hello how can i help", speaker="unknown", start=1))
    engine.on_segment(make_segment("i'm calling to pay my gas bill", speaker="unknown", start=9))
    assert engine.end_call("call-1").rules == ("missing_disclosure",)


GREETING = "hello family history how can i help"
GREETING_CONFIDENCES = [0.6, 0.9, 0.9, 0.8, 0.99, 0.9, 0.99]


def test_part_of_the_phrase_heard_surely_is_about_something_else_and_shows_it_missing():
    # Round 12 (blind13): a genealogist's "the irish records before 1864 are patchy",
    # every word heard surely, had stood for a garbled disclosure and hid a late one.
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(heard_as(GREETING, 1, GREETING_CONFIDENCES))
    sure = "we keep the parish records for every county"
    engine.on_segment(heard_as(sure, 12, [0.9, 0.95, 0.9, 0.85, 0.88, 0.97, 0.93, 0.9]))
    assert engine.on_segment(agent("is there anything else", 32)).rules == ("missing_disclosure",)
    # The same words with one of them guessed at may be the phrase garbled.
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(heard_as(GREETING, 1, GREETING_CONFIDENCES))
    engine.on_segment(heard_as(sure, 12, [0.9, 0.95, 0.9, 0.3, 0.88, 0.97, 0.93, 0.9]))
    assert engine.on_segment(agent("is there anything else", 32)).rules == ("disclosure_unverified",)


def test_a_word_of_the_phrase_among_guessed_words_cannot_show_it_missing():
    # "skip hire, calls are recorded, go ahead" heard as guesses around a "call".
    engine = AlertEngine(settings_from_mapping({}))
    garbled = "kip higher cold or a call or go ahead"
    engine.on_segment(heard_as(garbled, 1, [0.11, 0.49, 0.18, 0.41, 0.63, 0.17, 0.22, 0.40, 0.98]))
    engine.on_segment(heard_as("where do we want it", 10, [0.9, 0.8, 0.9, 0.9, 0.95]))
    verdict = engine.on_segment(agent("is there anything else", 32))
    assert verdict.rules == ("disclosure_unverified",)
    assert 'only part of it was heard ("' in verdict.reasons[0]
    assert "call" in verdict.reasons[0].rsplit("heard", 1)[1]
    # A business name guessed at holds no word of the phrase: the agent never disclosed.
    engine = AlertEngine(settings_from_mapping({}))
    guessed_name = "high shear bliss salon how can i help"
    engine.on_segment(heard_as(guessed_name, 1, [0.01, 0.3, 0.17, 0.78, 0.7, 0.99, 0.67, 0.91]))
    assert engine.on_segment(agent("is there anything else", 32)).rules == ("missing_disclosure",)


# Round 13: wordings call centres use beyond the passive ones (blind14's agents),
# beside lines that share their words and disclose nothing.
@pytest.mark.parametrize(
    ("said", "disclosed"),
    [
        ("morning, just so you know we record our calls, how can i help", True),
        ("hi there, we do record calls here, what can i do for you", True),
        ("you're on a recorded line, how can i help", True),
        ("hello, this is a recorded line, who am i speaking to", True),
        ("calls to this line are recorded, how can i help", True),
        ("calls are monitored and recorded for training", True),
        ("we call you back within the hour, what's the postcode", False),
        ("the line is very quiet today, how can i help", False),
        ("we send everything by recorded delivery", False),
    ],
)
def test_active_and_recorded_line_wordings_are_a_disclosure(said, disclosed):
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(make_segment(said, speaker="agent", start=2))
    verdict = engine.on_segment(make_segment("right then", speaker="agent", start=40))
    assert (verdict is None) is disclosed, said
    if not disclosed:
        assert verdict.rules == ("missing_disclosure",), said


def test_part_of_a_wording_without_call_or_recorded_is_no_garbled_disclosure():
    # "which resort are you staying in" lies within near_cost of "you're on a recorded
    # line"; with a word guessed beside it, it once left the disclosure "unverified".
    engine = AlertEngine(settings_from_mapping({}))
    engine.on_segment(
        heard_as("hello alpine pikki hire how can i help", 1, [0.9, 0.6, 0.2, 0.3, 0.9, 0.9, 0.9, 0.9])
    )
    engine.on_segment(
        heard_as("lovely which resort are you staying in", 12, [0.4, 0.9, 0.8, 0.9, 0.9, 0.9, 0.9])
    )
    assert engine.on_segment(agent("that's booked then", 32)).rules == ("missing_disclosure",)
    # "calls are recorded" heard as "all their report is", guessed at: still unverifiable.
    engine = AlertEngine(settings_from_mapping({}))
    garbled = "you're through the island fairies looking all their report is for quality"
    engine.on_segment(heard_as(garbled, 1, [0.9, 0.8, 0.9, 0.5, 0.3, 0.2, 0.2, 0.3, 0.2, 0.6, 0.9, 0.9]))
    assert engine.on_segment(agent("that's booked then", 32)).rules == ("disclosure_unverified",)


@pytest.mark.parametrize(
    "said",
    [
        "good morning, i should let you know this conversation is recorded",
        "hi, calls here may be monitored for quality",
        "this line is recorded, for your information",
        "heads up, we record these calls",
        "we're recording this call for training",
        # Round 15 (blind16's agents): what is said, who records, recordings of it.
        "everything you say on this line is recorded",
        "just so you know, you are being recorded",
        "i am recording this conversation, for our files",
        "we're recording this one, as we do all calls",
        "we keep recordings of all our phone calls",
        "a recording of this conversation is kept for a year",
        "heads up, this chat's recorded",
    ],
)
def test_any_wording_that_says_the_call_is_recorded_counts(said):
    engine = AlertEngine(settings_from_mapping({}))
    assert rules_fired(engine, [agent(said, 2), agent("how can i help", 35)]) == [None, None]


@pytest.mark.parametrize(
    "said",
    [
        "this call is not recorded",  # says the opposite
        "i'll record the call reference for you",  # record as in note down
        "can i get a copy of the call recording",
        "your details are recorded on the line below",
        "you're recorded as the account holder",
        "thank you, your payment is recorded",
        "thank you, that's all recorded now",
        "you are recorded on our system as moving in may",
        "i'm recording the call reference now",
        "i can send you a recording of the call from tuesday",
        "the recordings of the concert are on our website",
        "we're recording a new hold message for the calls queue",
        "we sent everything by recorded delivery",
        "i'm not recording anything",
    ],
)
def test_record_words_that_disclose_nothing_are_no_wording_of_it(said):
    assert not says_calls_are_recorded(said)


def test_only_the_listed_wordings_count_when_any_wording_is_turned_off():
    settings = settings_from_mapping({"rules": {"missing_disclosure": {"any_recording_wording": False}}})
    engine = AlertEngine(settings)
    fired = rules_fired(engine, [agent("this conversation is recorded", 2), agent("how can i help", 35)])
    assert fired == [None, ("missing_disclosure",)]


@pytest.mark.parametrize(
    "said",
    ["you're on a recorded line, how can i help", "this is a monitored call", "you are being recorded today"],
)
def test_a_recorded_line_and_a_recorded_you_are_read_without_the_listed_wordings(said):
    assert says_calls_are_recorded(said)


@pytest.mark.parametrize(
    "said",
    [
        "stitchworks service desk, recording is on for this call, for quality, go ahead",
        "call recording's on, how can i help",
        "yeah, blade masters, we're recording, just for our records, what do you need",
        "i'm recording now, so go ahead",
    ],
)
def test_recording_as_a_state_and_recording_with_no_object_disclose(said):
    """Round 17 (blind18): recording said to be on, and "we're recording" with
    nothing else as its object."""
    assert says_calls_are_recorded(said)


@pytest.mark.parametrize(
    "said",
    [
        "we're recording a new hold message",
        "i'm recording just the serial number",
        "the recording is on its way to you",
        "recording is on the website",
        "we're not recording, just for the record",
    ],
)
def test_recording_of_something_else_or_a_recording_sent_discloses_nothing(said):
    assert not says_calls_are_recorded(said)
