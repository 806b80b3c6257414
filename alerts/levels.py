"""Alert levels, lowest first: warning < urgent < critical."""

from __future__ import annotations

from typing import Literal

Level = Literal["warning", "urgent", "critical"]
LEVELS: tuple[Level, ...] = ("warning", "urgent", "critical")


def level_rank(level: str) -> int:
    """0 for warning, 1 urgent, 2 critical; ValueError for anything else."""
    try:
        return LEVELS.index(level)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(f"unknown alert level {level!r}; expected one of {', '.join(LEVELS)}") from None


def at_least(level: str, minimum: str) -> bool:
    return level_rank(level) >= level_rank(minimum)


def highest(levels: list[str]) -> Level:
    return LEVELS[max(level_rank(level) for level in levels)]
