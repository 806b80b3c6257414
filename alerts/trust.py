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

import dataclasses

from ingest.analysis.sentiment import score_by_rules
from ingest.analysis.thresholds import CRITICAL
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


MOSTLY_HEARD = 0.5
"""A line with at least this share of its words heard clearly keeps its score: on
clean lines pocketsphinx gives right short words low posteriors ("what": 0.12,
"can": 0.07, "i": 0.06), and scoring only the rest lost sentiment alerts there
(bench/insight_e2e clean: recall 0.69 -> 0.57)."""


def heard_sentiment(segment: TranscriptSegment, min_word_confidence: float) -> TranscriptSegment:
    """`segment` with its sentiment scored over the words heard at `min_word_confidence` or better.

    The recogniser's guesses under noise are words too, and they carry
    sentiment: "he died hello this call may be recorded ... a threat today"
    scores -0.76 on "died" (0.06) and "threat" (0.00), though the agent said
    "hello, this call may be recorded, how can i help". Scored over its clear
    words it is neutral. A line mostly heard keeps its score, unless the score
    is extreme (below CRITICAL) and its clear words alone are not: an extreme
    reading must rest on words heard clearly ("... all of you idiot on
    thursday" with "you idiot" at 0.12 and 0.03 was the agent's "... with you
    on thursday"; "the murderer in a row" at 0.19 was "the third order in a
    row"). A segment without per-word figures, or whose score comes from a
    translation (its words are another language's), is left as it is. The clear
    words are scored by the rules alone (`score_by_rules`).
    """
    if not segment.words or segment.translation is not None or segment.language not in (None, "en"):
        return segment
    extreme = segment.sentiment_score < CRITICAL
    if heard_share(segment, min_word_confidence) >= MOSTLY_HEARD and not extreme:
        return segment
    heard = [word.word for word in segment.words if word.confidence >= min_word_confidence]
    # The clear words are a fragment, not a line: the learned line model, trained on
    # whole lines, reads a lone "you" (of "okay thank you", "okay" and "thank" unclear)
    # as a curt complaint. The rules read only the words' own feeling.
    sentiment = score_by_rules(" ".join(heard))
    if extreme and sentiment.score < CRITICAL:
        return segment  # extreme on its clear words too: the whole line's score stands
    return dataclasses.replace(segment, sentiment_score=sentiment.score, sentiment_label=sentiment.label)
