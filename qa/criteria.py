"""QA scorecard criteria and the total score (pure).

A scorecard is a list of weighted criteria, each either ``yes_no`` (yes = 1,
no = 0) or ``scale`` (1..5, mapped to 0..1). The total is the weighted mean of
the answered criteria on a 0-100 scale; criteria left unanswered (None, "not
applicable") count neither for nor against. Criteria come from a TOML or JSON
file named by ``CALLMON_QA_CRITERIA``, or the built-in `DEFAULT_CRITERIA`::

    [[criteria]]
    id = "greeting"
    label = "Greeted the caller and gave their name"
    kind = "yes_no"      # or "scale" (1-5)
    weight = 1.0
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from ingest.settings_base import SettingsError
from qa.settings import QASettings

CriterionKind = Literal["yes_no", "scale"]
Answer = bool | int | None
SCALE_MIN, SCALE_MAX = 1, 5


class CriteriaError(ValueError):
    """The criteria file or an answer set is unusable; the message names every problem."""


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    label: str
    kind: CriterionKind = "yes_no"
    weight: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion("greeting", "Greeted the caller and gave their name", "yes_no", 1.0),
    Criterion("disclosure", 'Said "this call may be recorded"', "yes_no", 2.0),
    Criterion("verification", "Verified the caller's identity", "yes_no", 2.0),
    Criterion("empathy", "Showed empathy and patience", "scale", 1.5),
    Criterion("resolution", "Resolved the issue or gave a clear next step", "scale", 2.0),
    Criterion("closing", "Offered further help and closed politely", "yes_no", 1.0),
)


def parse_criteria(data: Mapping[str, Any], source: str = "criteria") -> tuple[Criterion, ...]:
    """Criteria from a parsed ``{"criteria": [{id, label, kind, weight}, ...]}``."""
    items = data.get("criteria")
    if not isinstance(items, list) or not items:
        raise CriteriaError(f"{source}: expected a non-empty list under 'criteria'")
    problems: list[str] = []
    criteria: list[Criterion] = []
    for index, item in enumerate(items):
        where = f"{source}: criteria[{index}]"
        if not isinstance(item, Mapping):
            problems.append(f"{where}: expected a table with id, label, kind, weight")
            continue
        ident, label = item.get("id"), item.get("label", item.get("id"))
        kind, weight = item.get("kind", "yes_no"), item.get("weight", 1.0)
        if not isinstance(ident, str) or not ident.strip():
            problems.append(f"{where}.id: expected a non-empty string")
        if not isinstance(label, str):
            problems.append(f"{where}.label: expected a string")
        if kind not in ("yes_no", "scale"):
            problems.append(f'{where}.kind: expected "yes_no" or "scale", got {kind!r}')
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            problems.append(f"{where}.weight: expected a number > 0, got {weight!r}")
        if not problems and isinstance(ident, str):
            criteria.append(Criterion(ident.strip(), label, kind, float(weight)))
    ids = [c.id for c in criteria]
    problems += [
        f"{source}: criterion id {i!r} appears twice" for i in sorted({i for i in ids if ids.count(i) > 1})
    ]
    if problems:
        raise CriteriaError("\n".join(problems))
    return tuple(criteria)


def load_criteria(path: str | Path | None = None) -> tuple[Criterion, ...]:
    """Criteria from `path` (TOML or JSON), else ``$CALLMON_QA_CRITERIA``, else the defaults."""
    if not path:
        try:
            path = QASettings.from_env().criteria
        except SettingsError as error:
            raise CriteriaError(str(error)) from None
    if not path:
        return DEFAULT_CRITERIA
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as error:  # tomllib/json decode errors are ValueErrors
        raise CriteriaError(f"{path}: {error}") from error
    return parse_criteria(data, str(path))


def check_answers(criteria: Sequence[Criterion], answers: Mapping[str, Answer]) -> None:
    """Raise `CriteriaError` naming every unknown criterion and out-of-range answer."""
    by_id = {c.id: c for c in criteria}
    problems = [f"unknown criterion {key!r}" for key in answers if key not in by_id]
    for key, value in answers.items():
        criterion = by_id.get(key)
        if criterion is None or value is None:
            continue
        if criterion.kind == "yes_no" and not isinstance(value, bool):
            problems.append(f"{key}: expected yes/no (true or false), got {value!r}")
        if criterion.kind == "scale" and (
            isinstance(value, bool) or not isinstance(value, int) or not SCALE_MIN <= value <= SCALE_MAX
        ):
            problems.append(f"{key}: expected a whole number {SCALE_MIN}-{SCALE_MAX}, got {value!r}")
    if problems:
        raise CriteriaError("\n".join(problems))


def total_score(criteria: Sequence[Criterion], answers: Mapping[str, Answer]) -> float | None:
    """Weighted mean of the answered criteria, 0-100; None when nothing is answered."""
    check_answers(criteria, answers)
    earned = possible = 0.0
    for criterion in criteria:
        value = answers.get(criterion.id)
        if value is None:
            continue
        if criterion.kind == "yes_no":
            fraction = 1.0 if value else 0.0
        else:
            fraction = (int(value) - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)
        earned += criterion.weight * fraction
        possible += criterion.weight
    return None if possible == 0 else round(100.0 * earned / possible, 2)
