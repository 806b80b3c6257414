"""Sign agreement between the scorer and a person on labelled caller lines.

data/lexicon/caller_lines.{dev,heldout}.tsv: 134 varied caller lines written
before the phrase lexicon was tuned, in two alternating halves. Only the
dev half's misses were read while adding lexicon entries; the held-out half
is scored as a whole, to see whether the entries generalise.

Round 3 added caller_lines.dev2.tsv (read while writing the complaint
patterns) and caller_lines.blind.tsv (written before that tuning, never read
for misses): the blind figure is what callmon does on lines it was not
written against, and is guarded against regressions, below the goal.

Round 4 added caller_lines.blind2.tsv (102 lines, eight domains), written
before that round's entries: 0.598 before them, 0.775 after the first pass
(the honest figure); a second pass then read its misses, so it is a dev set now.

Round 5 added caller_lines.blind3.tsv (118 lines, ten new domains, varied
register), written before that round's changes: 0.695 before them (the
honest figure); the round's constructions were then written from its misses
and blind2's, so it is a dev set too (0.983 after). caller_lines.blind4.tsv
(71 lines, twelve more domains) was written after round 5's changes and is
scored only as a whole, never read for misses: 0.620 with round 4's rules,
0.676 with round 5's: the constructions carry only partly to unseen lines.
"""

from pathlib import Path

import pytest

from ingest.analysis import score_sentiment

LINES = Path(__file__).resolve().parents[2] / "data" / "lexicon"
GOAL = 0.85
BLIND_FLOOR = 0.95
"""The blind set's figure after round 5 (0.984; 0.889 after round 4, 0.825 after round 3) less a
little: a regression guard."""
BLIND2_FLOOR = 0.93
"""The second blind set's figure: 0.598 before round 4, 0.775 after its first pass (the
honest figure), 0.922 after a second pass that read its misses (a dev set since), 0.951
after round 5."""
BLIND4_FLOOR = 0.65
"""The fourth blind set's figure with round 5 (0.676; 0.620 with round 4's rules), less a
little: a regression guard, far below the goal, and the honest generalisation figure."""
BLIND5_FLOOR = 0.92
"""caller_lines.blind5 (issue 11, written before the line model): 0.750 with the rules
alone (the honest before), 0.886 scored by the model trained without it (the honest
after, bench/line_model.py), 0.943 with the shipped model, which trained on it; less a
little: a regression guard."""
BLIND3_FLOOR = 0.95
"""The third blind set's figure: 0.695 before round 5 (the honest figure), 0.983 after
(its misses were read, a dev set since), less a little: a regression guard."""


def labelled(half: str) -> list[tuple[str, str]]:
    rows = []
    for line in (LINES / f"caller_lines.{half}.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t")
            rows.append((label, text))
    return rows


def agreement(rows: list[tuple[str, str]]) -> float:
    return sum(score_sentiment(text).label == label for label, text in rows) / len(rows)


def test_the_labelled_set_is_big_and_varied():
    rows = labelled("dev") + labelled("heldout")
    assert len(rows) >= 120
    labels = [label for label, _ in rows]
    assert min(labels.count(name) for name in ("positive", "negative", "neutral")) >= 20
    assert len({text for _, text in rows}) == len(rows)


@pytest.mark.parametrize("half", ["dev", "heldout", "dev2"])
def test_sign_agreement_meets_the_goal(half):
    rows = labelled(half)
    score = agreement(rows)
    print(f"caller-line sign agreement ({half}, {len(rows)} lines): {score:.3f}")
    assert score >= GOAL


# Each blind set: its name, the fewest lines it must hold, its floor. blind4 is
# scored as a whole only: reading its misses would make it one more dev set.
BLIND_SETS = [
    ("blind", 60, BLIND_FLOOR),
    ("blind2", 80, BLIND2_FLOOR),
    ("blind3", 100, BLIND3_FLOOR),
    ("blind4", 60, BLIND4_FLOOR),
    ("blind5", 120, BLIND5_FLOOR),
]


@pytest.mark.parametrize(("name", "min_lines", "floor"), BLIND_SETS, ids=[row[0] for row in BLIND_SETS])
def test_a_blind_set_does_not_regress(name: str, min_lines: int, floor: float) -> None:
    rows = labelled(name)
    assert len(rows) >= min_lines
    if name != "blind":  # the first set predates the no-duplicates rule
        assert len({text for _, text in rows}) == len(rows)
    if name == "blind3":
        labels = [label for label, _ in rows]
        assert min(labels.count(label) for label in ("positive", "negative", "neutral")) >= 10
    score = agreement(rows)
    print(f"caller-line sign agreement ({name}, {len(rows)} lines): {score:.3f}")
    assert score >= floor
