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
    retention_days: float | None = Field(
        None, gt=0, validation_alias=RETENTION_ENV, json_schema_extra={"shown_type": "days (or 12w, 36h)"}
    )
    """Default age for `callmon purge`; unset = give --older-than."""

    @field_validator("retention_days", mode="before")
    @classmethod
    def _age_in_days(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return parse_age(value) / _UNIT_S["d"]
        except ValueError:
            raise SettingsError(f"{RETENTION_ENV}={value!r}: expected a number of days, e.g. 90") from None

    @property
    def retention_s(self) -> float | None:
        return None if self.retention_days is None else self.retention_days * _UNIT_S["d"]
