"""Lines the shipped caller-line model is known to read wrongly.

Not a missing feature: the readings these tests ask for passed with the
round-9 model. The learned model (`ingest.analysis.line_model`), retrained in
round 15 on every labelled set, now reads four lines wrongly. On three of them
the rules alone (`score_by_rules`) read the line right and the model overrules
them. On the fourth ("i'd better check with my husband first") the rules read
"better" as praise, which the old model had corrected. Retraining was kept because it reads the
unseen sets better (caller_lines.blind12 0.770 -> 0.860; README, "The learned
caller-line model"). The tests stay, as strict expected failures: a model
that reads a line right again makes its test fail, so the mark is removed.
"""

import pytest

MODEL_MISREADS = pytest.mark.xfail(
    strict=True,
    reason="round 15: the line model retrained on every labelled set overrules the rules' "
    "reading of this line (README, 'The learned caller-line model'); strict: passing again fails",
)
