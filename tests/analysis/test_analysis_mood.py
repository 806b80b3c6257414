import pytest

from ingest.analysis import CallMood, PartyMoods, update_mood, update_party_moods
from ingest.analysis import mood as mood_module


def feed(scores_and_labels, window=5, context=None):
    mood = CallMood()
    for score, label in scores_and_labels:
        mood = update_mood(mood, score, label, window, context)
    return mood


def test_rolling_average_over_the_window_only():
    mood = feed([(1.0, "positive")] + [(-0.5, "negative")] * 3, window=3)
    assert mood.recent == (-0.5, -0.5, -0.5)
    assert mood.rolling_average == pytest.approx(-0.5)


def test_counts_and_streak():
    mood = feed(
        [
            (-0.4, "negative"),
            (-0.6, "negative"),
            (0.0, "neutral"),
            (-0.2, "negative"),
            (-0.3, "negative"),
        ],
        context=False,
    )
    assert (mood.positive, mood.negative, mood.neutral, mood.count) == (0, 4, 1, 5)
    assert mood.consecutive_negative == 2


def test_update_is_pure():
    before = CallMood()
    after = update_mood(before, -0.5, "negative")
    assert before == CallMood()
    assert after.consecutive_negative == 1 and after.rolling_average == -0.5


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        update_mood(CallMood(), 0.1, "happy")
    with pytest.raises(ValueError):
        update_mood(CallMood(), 0.1, "positive", window=0)


def test_party_moods_keep_the_caller_and_the_agent_apart():
    moods = PartyMoods()
    for speaker, score, label in [
        ("caller", -0.5, "negative"),
        ("agent", 0.6, "positive"),  # "sorry to hear that" does not break the caller's streak
        ("caller", -0.4, "negative"),
        ("agent", 0.0, "neutral"),
        ("caller", -0.6, "negative"),
    ]:
        moods = update_party_moods(moods, speaker, score, label)
    assert moods.caller.consecutive_negative == 3
    assert moods.caller.rolling_average == pytest.approx(-0.5)
    assert (moods.agent.count, moods.agent.consecutive_negative) == (2, 0)
    assert moods.of("caller") is moods.caller and moods.of("agent") is moods.agent


def test_a_mixed_stream_feeds_the_caller_mood():
    moods = update_party_moods(PartyMoods(), "unknown", -0.5, "negative")
    assert moods.caller.consecutive_negative == 1 and moods.agent.count == 0
    assert moods.of("unknown") is moods.caller


def test_average_of_the_last_few():
    mood = feed([(1.0, "positive"), (-0.5, "negative"), (-0.3, "negative")], window=10)
    assert mood.average_of_last(2) == pytest.approx(-0.4)
    assert CallMood().average_of_last(5) == 0.0


NEG, NEU, POS = (-0.5, "negative"), (0.0, "neutral"), (0.5, "positive")


def test_a_neutral_line_between_two_complaints_is_part_of_the_dispute():
    # "i posted it in may, i've got the receipt" between two complaints
    mood = feed([(-0.4, "negative"), NEU, (-0.6, "negative")], context=True)
    assert mood.consecutive_negative == 3 and mood.context_lines == 1
    assert mood.recent == pytest.approx((-0.4, -0.5, -0.6))  # the mean of its neighbours
    assert (mood.negative, mood.neutral) == (2, 1)  # the counts keep each line's own label


def test_a_held_line_raises_nothing_until_the_caller_complains_again():
    held = feed([NEG, NEG, NEG, NEU], context=True)
    assert held.consecutive_negative == 0 and held.held_streak == 3
    assert held.recent[-1] == 0.0
    assert update_mood(held, *NEG, context=True).consecutive_negative == 5


def test_a_calm_caller_who_mentions_one_problem_is_not_in_a_dispute():
    for calls in ([NEG, NEU, NEU, NEU, NEG], [NEG, NEU, POS, NEG], [NEG, NEU, NEU, NEU]):
        mood = feed(calls, context=True)
        assert mood.consecutive_negative <= 1 and mood.context_lines == 0
        assert mood.recent[:3] == tuple(score for score, _ in calls[:3])  # nothing re-read


def test_two_neutral_lines_can_be_held_a_third_ends_the_dispute():
    mood = feed([NEG, NEU, NEU, (-0.7, "negative")], context=True)
    assert (mood.consecutive_negative, mood.context_lines) == (4, 2)
    assert mood.recent == pytest.approx((-0.5, -0.6, -0.6, -0.7))
    mood = feed([NEG, NEG, NEU, NEU, NEU, NEG, NEU, NEG], context=True)
    assert (mood.consecutive_negative, mood.context_lines) == (3, 1)


def test_a_held_line_never_reaches_past_the_window():
    mood = feed([NEG, NEU, NEU, (-0.7, "negative")], window=2, context=True)
    assert mood.recent == pytest.approx((-0.6, -0.7))


def test_context_lines_add_up_over_one_streak():
    mood = feed([NEG, NEU, NEG, NEU, NEG], context=True)
    assert (mood.consecutive_negative, mood.context_lines) == (5, 2)
    assert feed([NEG, NEU, NEG, POS, NEG], context=True).context_lines == 0


def test_the_held_line_is_re_read_inside_a_short_window():
    mood = feed([NEG, NEU, (-0.7, "negative")], window=2, context=True)
    assert mood.recent == pytest.approx((-0.6, -0.7))
    assert feed([NEG, NEU, NEG], window=1, context=True).recent == (-0.5,)


def test_without_the_context_a_neutral_line_breaks_the_streak():
    mood = feed([NEG, NEU, NEG], context=False)
    assert (mood.consecutive_negative, mood.context_lines, mood.recent) == (1, 0, (-0.5, 0.0, -0.5))


def test_the_context_reaches_the_caller_mood_of_party_moods():
    moods = PartyMoods()
    for speaker, (score, label) in [
        ("caller", NEG),
        ("agent", NEG),
        ("caller", NEU),
        ("agent", POS),
        ("caller", NEG),
    ]:
        moods = update_party_moods(moods, speaker, score, label)
    assert moods.caller.consecutive_negative == (3 if mood_module.DISPUTE_CONTEXT else 1)


@pytest.mark.parametrize(
    "line",
    ["h f three three nine zero one", "it's six zero zero four one two nine eight",
     "henderson, l e five, two r t", "it's marsh, fourth of june nineteen fifty two",
     "yeah it's 4471 0092"],
)  # fmt: skip
def test_a_line_that_only_identifies_is_no_part_of_a_dispute(line):
    assert mood_module.identification_answer(line)
    assert mood_module.dispute_context_for("caller", line) is False
    # So the streak breaks there, as SPEC's plain rule says.
    after = update_mood(
        feed([NEG, NEG]), 0.0, "neutral", context=mood_module.dispute_context_for("caller", line)
    )
    assert update_mood(after, *NEG).consecutive_negative == 1


@pytest.mark.parametrize(
    "line",
    ["i posted it in may, i've got the receipt", "i have the bank statement right here",
     "three weeks and nobody came", "two hundred pounds", "i was told five to seven working days",
     "yes that's right", "four hundred and fifty pounds", "six weeks on the twelfth"],
)  # fmt: skip
def test_a_line_about_the_dispute_may_still_be_held(line):
    assert not mood_module.identification_answer(line)
    assert mood_module.dispute_context_for("caller", line) is None
    assert mood_module.dispute_context_for("unknown", line) is False
