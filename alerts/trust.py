"""How much of a segment the recogniser heard clearly (pure).

A segment's mean confidence hides what babble does to it: under background
talk the recogniser transcribes the other voices too, and a segment becomes
a few clearly heard words of the speaker ("question": 1.00, "about": 1.00)
drowned in many guessed ones ("military": 0.03, "lottery": 0.96, "island":
0.05). Its mean lands near the sentiment gate whichever it is, so the share
of its words that pass the word gate says more: most of a clearly spoken
line passes, most of babble does not.

Measured with bench/insight_e2e --rescore --realert (README, "Alerts on a
noisy line").
"""

from __future__ import annotations

from ingest.events import TranscriptSegment


def heard_share(segment: TranscriptSegment, min_word_confidence: float) -> float:
    """The share of `segment`'s words heard at `min_word_confidence` or better.

    Without per-word figures (an engine that gives none, a translation) the
    segment's own confidence stands for every word: 1.0 or 0.0.
    """
    if not segment.words:
        return 1.0 if segment.confidence >= min_word_confidence else 0.0
    clear = sum(1 for word in segment.words if word.confidence >= min_word_confidence)
    return clear / len(segment.words)
