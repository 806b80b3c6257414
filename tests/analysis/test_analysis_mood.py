import pytest

from ingest.analysis import CallMood, PartyMoods, update_mood, update_party_moods


def feed(scores_and_labels, window=5):
    mood = CallMood()
    for score, label in scores_and_labels:
        mood = update_mood(mood, score, label, window)
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
        ]
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
