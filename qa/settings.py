"""QA settings: one typed object (see `ingest.settings_base`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from ingest.settings_base import CallmonSettings, SettingsError

CRITERIA_ENV = "CALLMON_QA_CRITERIA"
RETENTION_ENV = "CALLMON_RETENTION_DAYS"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhw]?)\s*$", re.IGNORECASE)
_UNIT_S = {"": 86400.0, "d": 86400.0, "h": 3600.0, "w": 7 * 86400.0}


def parse_age(text: str) -> float:
    """Seconds in ``90d``, ``12w``, ``36h`` or ``90`` (days)."""
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not an age: use e.g. 90d, 12w or 36h")
    return float(match.group(1)) * _UNIT_S[match.group(2).lower()]


class QASettings(CallmonSettings):
    config_table = "qa"

    criteria: Path | None = Field(None, validation_alias=CRITERIA_ENV)
    """Scorecard criteria file (TOML or JSON); unset = the built-in criteria."""
    retention_s: float | None = Field(None, validation_alias=RETENTION_ENV)
    """Default age for `callmon purge`: days (90), or 12w, 36h; unset = purge asks for --older-than."""

    @field_validator("retention_s", mode="before")
    @classmethod
    def _age(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # a bare number in the file means days, as in the environment
        if not isinstance(value, str):
            return value
        try:
            return parse_age(value)
        except ValueError:
            raise SettingsError(f"{RETENTION_ENV}={value!r}: expected a number of days, e.g. 90") from None
