"""The call keys PostgreSQL's search asks segments for, and the guess of how
many segments hold them (pure functions)."""

from __future__ import annotations

import pytest

from qa import SearchQuery
from qa.filters import DAY_S, segment_call_key_sets, segment_call_keys_sql
from qa.search_estimate import LexemeStatistics, key_fraction

NOW = 1000 * DAY_S + 3600.0  # one hour into UTC day 1000


def test_key_sets_mirror_the_filters() -> None:
    query = SearchQuery(
        text="refund", language="es", agent="Ann", campaign="VIP", has_alerts=True,
        date_from=NOW - 2 * DAY_S, date_to=NOW,
    )  # fmt: skip
    required, groups = segment_call_key_sets(query, NOW)
    assert required == ["language:es", "agent:ann", "alerts"]
    assert groups == [["campaign:vip", "in_group:vip"], ["day:998", "day:999", "day:1000"]]
    sql = segment_call_keys_sql(query, NOW)
    assert "@>" in sql and sql.count("&&") == 2 and "generate_series" in sql


@pytest.mark.parametrize(
    ("fields", "keyed"),
    [
        ({}, False),
        ({"has_alerts": False}, False),  # "no alert" is not a key a segment holds
        ({"min_duration": 60}, False),
        ({"alert_level": "urgent"}, True),  # an alert of any level means alerts
        ({"date_from": NOW - 31 * DAY_S}, True),
        ({"date_from": NOW - 32 * DAY_S}, False),  # too many days to be worth their keys
        ({"date_from": NOW - 400 * DAY_S, "date_to": NOW - 390 * DAY_S}, True),
    ],
)
def test_only_filters_with_keys_are_keyed(fields: dict, keyed: bool) -> None:
    query = SearchQuery(text="refund", **fields)
    assert bool(segment_call_keys_sql(query, NOW)) == keyed
    assert any(segment_call_key_sets(query, NOW)) == keyed


def test_key_fraction_multiplies_required_keys_and_adds_alternatives() -> None:
    statistics = LexemeStatistics(
        rows=1000.0, frequencies={}, floor=0.001, read_at=0.0,
        key_frequencies={"language:en": 0.8, "alerts": 0.1, "campaign:vip": 0.2, "in_group:vip": 0.3},
        key_floor=0.01,
    )  # fmt: skip
    assert key_fraction(statistics, ["language:en", "alerts"], []) == pytest.approx(0.08)
    assert key_fraction(statistics, [], [["campaign:vip", "in_group:vip"]]) == pytest.approx(0.5)
    assert key_fraction(statistics, ["agent:nobody"], []) == pytest.approx(0.01)  # unlisted: the floor
    assert key_fraction(statistics, [], [[f"day:{d}" for d in range(200)]]) == 1.0  # never above all
