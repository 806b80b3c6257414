"""Sentiment thresholds from the specification, in one place.

Everything that labels or judges a VADER compound score imports from here, so
the dashboard colours, the per-call mood and the alert rules agree.
"""

from __future__ import annotations

LABEL_POSITIVE = 0.05
"""A compound score at or above this is labelled "positive" (VADER's convention)."""
LABEL_NEGATIVE = -0.05
"""A compound score at or below this is labelled "negative"."""

POSITIVE = 0.3
"""A call (rolling average) at or above this reads as going well."""
NEGATIVE = -0.3
"""A call (rolling average) at or below this reads as going badly."""
ALERT = -0.5
"""A score at or below this deserves a supervisor's attention."""
CRITICAL = -0.7
"""A score below this is critical (the `very_negative` alert rule)."""

DEFAULT_ROLLING_WINDOW = 5
"""Utterances in a call's rolling average."""
