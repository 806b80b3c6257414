"""The end-to-end insight bench's own logic: word errors, aligning stored
segments to true lines, and the per-call tallies (no speech, no worker)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from alerts.config import load_alert_settings
from bench.insight_corpus import Call, Line
from bench.insight_e2e import Outcome, call_language, pick_calls, protocol_for, reread, transcribable
from bench.insight_render import RenderedLine, apply_condition, scale, voice_for, voice_language
from bench.insight_score import EndToEndReport, WordErrors, align, heard_label, score_call
from ingest.events import AlertRaised, TranscriptSegment, WordConfidence


def line(who: str, say: str, start: float, end: float, **labels: object) -> Line:
    return Line(
        who=who,
        say=say,
        feel=str(labels.get("feel", "neu")),
        keywords=frozenset(labels.get("kw", ())),  # type: ignore[arg-type]
        profanity=frozenset(labels.get("swear", ())),  # type: ignore[arg-type]
        start=start,
        end=end,
        lang=str(labels.get("lang", "en")),
        original=labels.get("original"),  # type: ignore[arg-type]
    )


def rendered(truth: Line, voice: str = "flite:slt") -> RenderedLine:
    return RenderedLine(
        truth.who, truth.say, truth.original or truth.say, voice, truth.lang, truth.start, truth.end
    )


def segment(
    speaker: str, start: float, end: float, text: str = "", score: float = 0.0, **extra: object
) -> TranscriptSegment:
    return TranscriptSegment(
        call_id="c", speaker=speaker, start=start, end=end, text=text, confidence=0.9,  # type: ignore[arg-type]
        language="en", engine="test", sentiment_score=score,
        sentiment_label="negative" if score <= -0.05 else "positive" if score >= 0.05 else "neutral",
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def alert(*rules: str) -> AlertRaised:
    return AlertRaised(
        id="a", call_id="c", level="urgent", rules=rules, reasons=rules, text="", speaker="caller",
        score=None, rolling_score=None,
    )  # fmt: skip


def call(*lines: Line, expect: tuple[str, ...] = (), mixed: bool = False) -> Call:
    return Call("c", "test", mixed, {"agent": "flite:awb", "caller": "flite:rms"}, frozenset(expect), lines)


def test_word_errors_count_substitutions_deletions_and_insertions_on_normalised_words():
    wer = WordErrors()
    wer.add("This call may be recorded.", "good call may be recorded")
    assert (wer.errors, wer.words) == (1, 5)
    wer.add("i want to cancel", "")
    assert (wer.errors, wer.words) == (5, 9)
    wer.add("thanks", "thanks a lot")
    assert (wer.errors, wer.words) == (7, 10)
    assert wer.rate == 0.7


def test_segments_go_to_the_line_of_their_speaker_they_overlap_most():
    lines = [
        rendered(line("agent", "hello", 0.5, 2.0)),
        rendered(line("caller", "hi there", 2.6, 4.0)),
        rendered(line("caller", "my bill", 4.6, 6.0)),
    ]
    per_line, strays = align(
        lines,
        [
            segment("agent", 0.4, 2.1, "hello"),
            segment("caller", 2.7, 3.2, "hi"),
            segment("caller", 3.3, 4.1, "there"),  # one line split in two utterances
            segment("agent", 3.5, 4.0, "echo"),  # the agent said nothing then: near no agent line
        ],
    )
    assert [[s.text for s in found] for found in per_line] == [["hello"], ["hi", "there"], []]
    assert [s.text for s in strays] == ["echo"]


def test_a_segment_spanning_two_lines_belongs_to_the_one_it_covers_most():
    lines = [rendered(line("caller", "one", 1.0, 2.0)), rendered(line("caller", "two", 2.5, 5.0))]
    per_line, _ = align(lines, [segment("caller", 1.8, 5.0, "one two")])
    assert [len(found) for found in per_line] == [0, 1]


def test_a_segment_just_outside_a_line_is_still_that_lines_and_mixed_streams_match_any_speaker():
    lines = [rendered(line("agent", "hello", 0.5, 2.0)), rendered(line("caller", "hi", 5.0, 6.0))]
    per_line, strays = align(
        lines, [segment("caller", 6.5, 7.0, "late"), segment("unknown", 0.6, 1.9, "hello")]
    )
    assert [[s.text for s in found] for found in per_line] == [["hello"], ["late"]]
    assert strays == []
    _, far = align(lines, [segment("caller", 7.5, 8.0, "far")])
    assert [s.text for s in far] == ["far"]


def test_the_heard_label_is_that_of_the_mean_score_and_none_when_unheard():
    assert (
        heard_label([segment("caller", 0, 1, "bad", -0.6), segment("caller", 1, 2, "fine", 0.2)])
        == "negative"
    )
    assert heard_label([]) is None
    assert heard_label([segment("caller", 0, 1, "", not_transcribed="no model for es")]) is None


def test_score_call_tallies_alerts_keywords_sign_and_utterances():
    settings = load_alert_settings(env={})
    truth = call(
        line("agent", "this call may be recorded", 0.5, 2.5),
        line("caller", "i want to cancel my account", 3.0, 5.0, feel="neg", kw=("cancel",)),
        line("caller", "this is shit", 5.5, 7.0, feel="vneg", swear=("shit",)),
        expect=("keyword_detected", "profanity", "very_negative"),
    )
    lines = [rendered(item) for item in truth.lines]
    heard = [
        segment("agent", 0.5, 2.5, "this call may be recorded"),
        segment("caller", 3.0, 5.0, "i want to candle my account", -0.1),  # the keyword misheard
        segment("caller", 5.5, 7.0, "this is shit", -0.8, profanity=("shit",)),
    ]
    report = EndToEndReport()
    score_call(
        report,
        settings,
        truth,
        lines,
        heard,
        [alert("profanity", "very_negative"), alert("negative_trend")],
        transcribable=True,
    )
    assert (report.overall.hit, report.overall.missed, report.overall.false) == (2, 1, 1)
    assert report.rules["keyword_detected"].recall == 0.0
    assert report.rules["negative_trend"].precision == 0.0
    assert (report.keywords.hit, report.keywords.missed) == (0, 1)
    assert (report.profanity.hit, report.profanity.missed) == (1, 0)
    assert (report.sign_agree, report.caller_lines) == (2, 2)
    assert report.utterances_per_line == 1.0 and report.lines_unheard == 0
    assert report.wer.errors == 1
    assert any("candle" in note for note in report.details)


def test_spotted_keywords_count_unless_the_text_says_them_inside_an_exception():
    truth = call(
        line("caller", "my account manager asked me to call", 0.5, 2.5),
        line("caller", "it's totally unacceptable", 3.0, 5.0, kw=("unacceptable",)),
    )
    manager, unacceptable = WordConfidence("manager", 1.0), WordConfidence("unacceptable", 0.9)
    heard = [
        segment("caller", 0.5, 2.5, "my account manager asked me to call", spotted=(manager,)),
        segment("caller", 3.0, 5.0, "it's totally on acceptable", spotted=(unacceptable,)),
    ]
    report = EndToEndReport()
    lines = [rendered(item) for item in truth.lines]
    score_call(report, load_alert_settings(env={}), truth, lines, heard, [], transcribable=True)
    assert (report.keywords.hit, report.keywords.missed, report.keywords.false) == (1, 0, 0)


def test_a_quiet_call_that_alerts_is_named():
    truth = call(line("caller", "thanks", 0.5, 1.0, feel="pos"))
    report = EndToEndReport()
    score_call(
        report,
        load_alert_settings(env={}),
        truth,
        [rendered(truth.lines[0])],
        [],
        [alert("negative_trend")],
        transcribable=True,
    )
    assert report.quiet_alerted == ["c"] and report.quiet_calls == 1
    assert report.lines_unheard == 1 and report.wer.rate == 1.0


def test_a_call_the_engine_cannot_transcribe_is_not_scored_and_says_why():
    spanish = line(
        "caller",
        "i am going to call my lawyer",
        0.5,
        3.0,
        lang="es",
        original="voy a llamar a mi abogado",
        kw=("lawyer",),
    )
    truth = call(spanish, expect=("legal_threat",))
    report = EndToEndReport()
    stored = [segment("caller", 0.5, 3.0, "", not_transcribed="no model for es")]
    score_call(
        report,
        load_alert_settings(env={}),
        truth,
        [rendered(spanish, "espeak-ng:es")],
        stored,
        [],
        transcribable=False,
    )
    assert report.overall.hit + report.overall.missed == 0 and report.lines == 0
    assert report.not_transcribed == ["c: not transcribed: no model for es (1 segments); raised nothing"]
    score_call(
        report,
        load_alert_settings(env={}),
        truth,
        [rendered(spanish)],
        stored,
        [alert("very_negative")],
        transcribable=False,
    )
    assert "RAISED ['very_negative']" in report.not_transcribed[-1]


def test_calls_are_routed_by_language_and_kind_and_subsets_spread_over_the_corpus():
    english = call(line("caller", "hello", 0.5, 1.0))
    spanish = call(line("caller", "hello", 0.5, 1.0, lang="es", original="hola"))
    mixed = call(line("caller", "hello", 0.5, 1.0), mixed=True)
    assert [protocol_for(i, english) for i in range(3)] == ["twilio", "twilio", "audiosocket"]
    assert protocol_for(2, spanish) == "twilio" and call_language(spanish) == "es"
    assert protocol_for(0, mixed) == "audiosocket-mixed"
    assert transcribable(english, "sphinx") and not transcribable(spanish, "sphinx")
    assert transcribable(spanish, "faster-whisper")
    many = [Call(str(i), "k", False, {}, frozenset(), ()) for i in range(10)]
    assert [c.id for c in pick_calls(many, 3)] == ["0", "3", "6"]
    assert pick_calls(many, None) == many


def test_voices_speak_their_language_and_foreign_lines_get_a_voice_of_theirs():
    assert voice_language("espeak-ng:es-419") == "es" and voice_language("festival:kal_diphone") == "en"
    german = line("caller", "i want to cancel", 0, 1, lang="de", original="ich will kündigen")
    assert voice_for(german, "flite:rms") == "espeak-ng:de"
    assert voice_for(german, "espeak-ng:de") == "espeak-ng:de"
    assert voice_for(line("agent", "hello", 0, 1), "flite:awb") == "flite:awb"


def test_the_quiet_condition_lowers_the_caller_by_6_db_and_leaves_the_agent():
    tone = (np.sin(np.arange(8000) / 5) * 10000).astype(np.int16).tobytes()
    agent, caller = apply_condition(tone, tone, "quiet6", seed=1)
    assert agent == tone
    ratio = np.abs(np.frombuffer(caller, np.int16)).max() / np.abs(np.frombuffer(tone, np.int16)).max()
    assert abs(20 * np.log10(ratio) + 6) < 0.1
    assert scale(tone, 0.0) == tone


def test_reread_scores_the_stored_words_again_as_the_worker_would():
    """--reread: a lexicon change measured on a run's recognition, without a new run."""
    truth = line("caller", "i'm being fobbed off", 0.0, 2.0, feel="neg")
    spotted = (WordConfidence("lawyer", 0.9),)
    stored = [
        # Read by an older lexicon as glad, with an engine's spot of a word it missed.
        segment("caller", 0.0, 2.0, "i feel like i'm being fobbed off by the manager", 0.4, spotted=spotted),
        # Spanish: the analysis reads the stored English translation, not the words.
        replace(
            segment("caller", 2.0, 3.0, "quiero cancelar"), language="es", translation="i want to cancel"
        ),
        replace(segment("caller", 3.0, 4.0), not_transcribed="no model for es"),
    ]
    outcome = Outcome(call(truth), "twilio", (rendered(truth),), stored, [])
    first, foreign, untranscribed = reread(outcome).segments
    assert first.sentiment_label == "negative" and first.sentiment_score < 0
    assert first.keywords == ("manager", "lawyer")  # the text's, then the engine's spot
    assert foreign.keywords == ("cancel",) and foreign.sentiment_label == "negative"
    assert untranscribed == stored[2]
