"""Value checks for the alert configuration: each returns the clean value or
raises `Invalid` with a message such as ``expected a number >= 0, got "soon"``."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from alerts.levels import LEVELS
from ingest.events import SPEAKERS

Check = Callable[[Any], Any]


class Invalid(ValueError):
    """One value is wrong; the message says what was expected and what came."""


def show(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def number(minimum: float | None = None, maximum: float | None = None, *, above: bool = False) -> Check:
    if minimum is not None and maximum is not None:
        wanted = f"a number between {minimum:g} and {maximum:g}"
    elif minimum is not None:
        wanted = f"a number {'>' if above else '>='} {minimum:g}"
    else:
        wanted = "a number"

    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise Invalid(f"expected {wanted}, got {show(value)}")
        if minimum is not None and (value <= minimum if above else value < minimum):
            raise Invalid(f"expected {wanted}, got {show(value)}")
        if maximum is not None and value > maximum:
            raise Invalid(f"expected {wanted}, got {show(value)}")
        return float(value)

    return check


def integer(minimum: int, maximum: int | None = None) -> Check:
    wanted = (
        f"an integer between {minimum} and {maximum}" if maximum is not None else f"an integer >= {minimum}"
    )

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected {wanted}, got {show(value)}")
        if value < minimum or (maximum is not None and value > maximum):
            raise Invalid(f"expected {wanted}, got {show(value)}")
        return value

    return check


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, got {show(value)}")
    return value


def text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"expected a non-empty string, got {show(value)}")
    return value.strip()


def url(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise Invalid(f"expected an http:// or https:// URL, got {show(value)}")
    return value


def one_of(*choices: str) -> Check:
    def check(value: Any) -> str:
        if value not in choices:
            raise Invalid(f"expected one of {', '.join(map(show, choices))}, got {show(value)}")
        return str(value)

    return check


level = one_of(*LEVELS)


def strings(value: Any) -> tuple[str, ...]:
    """A non-empty list of non-empty strings (one string is a list of one)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise Invalid(f"expected a non-empty list of strings, got {show(value)}")
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise Invalid(f"expected a non-empty list of non-empty strings, got {show(value)}")
    return tuple(item.strip() for item in value)


def speakers(value: Any) -> tuple[str, ...]:
    items = strings(value)
    unknown = [item for item in items if item not in SPEAKERS]
    if unknown:
        raise Invalid(f"expected speakers among {', '.join(map(show, SPEAKERS))}, got {show(unknown[0])}")
    return items


def synonyms(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A table: keyword -> list of other words that mean it."""
    if not isinstance(value, dict):
        raise Invalid(f"expected a table of keyword = [other words], got {show(value)}")
    table = []
    for key, words in value.items():
        try:
            table.append((" ".join(key.lower().split()), tuple(w.lower() for w in strings(words))))
        except Invalid as error:
            raise Invalid(f"{key}: {error}") from None
    return tuple(table)


RULE_FIELDS: dict[str, Check] = {
    "enabled": boolean,
    "level": level,
    "cooldown_s": number(0),
    "keywords": strings,
    "label": text,
    "speakers": speakers,
    "count": integer(1),
    "threshold": number(-1, 1),
    "min_segments": integer(1),
    "phrases": strings,
    "variants": lambda value: () if value == [] else strings(value),
    "max_cost": number(0, 1),
    "within_s": number(0, above=True),
    "window": integer(1, 20),
    "synonyms": synonyms,
    "inflections": boolean,
    "tolerant": boolean,
    "senses": boolean,
    "near_cost": number(0, 1),
    "any_recording_wording": boolean,
    "report_unverified": boolean,
    "unverified_level": level,
}
"""Checks for every setting a rule may have, by key."""
