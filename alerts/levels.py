"""Alert levels, lowest first: warning < urgent < critical.

The levels themselves are defined once, with the `AlertRaised` event that
carries them (ingest cannot import alerts); everything else takes them from here.
"""

from __future__ import annotations

from ingest.events import ALERT_LEVELS as LEVELS
from ingest.events import AlertLevel as Level

__all__ = ["LEVELS", "Level", "at_least", "highest", "level_rank"]


def level_rank(level: str) -> int:
    """0 for warning, 1 urgent, 2 critical; ValueError for anything else."""
    try:
        return LEVELS.index(level)
    except ValueError:
        raise ValueError(f"unknown alert level {level!r}; expected one of {', '.join(LEVELS)}") from None


def at_least(level: str, minimum: str) -> bool:
    return level_rank(level) >= level_rank(minimum)


def highest(levels: list[str]) -> Level:
    return LEVELS[max(level_rank(level) for level in levels)]
