import pytest

from ingest.analysis import CallMood, update_mood


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
