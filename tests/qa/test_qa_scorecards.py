"""Scorecard criteria and totals (pure), their storage, and agent statistics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa import (
    DEFAULT_CRITERIA,
    CriteriaError,
    Criterion,
    ScorecardStore,
    load_criteria,
    score_call,
    total_score,
)
from qa.stats import agent_statistics

CRITERIA = (Criterion("greet", "Greeted", "yes_no", 1.0), Criterion("fix", "Resolved", "scale", 3.0))


def test_total_is_the_weighted_mean_of_answered_items() -> None:
    assert total_score(CRITERIA, {"greet": True, "fix": 5}) == 100.0
    assert total_score(CRITERIA, {"greet": False, "fix": 1}) == 0.0
    assert total_score(CRITERIA, {"greet": True, "fix": 3}) == pytest.approx(100 * (1 + 3 * 0.5) / 4)
    assert total_score(CRITERIA, {"fix": 4, "greet": None}) == 75.0  # not applicable: left out
    assert total_score(CRITERIA, {}) is None


@pytest.mark.parametrize(
    "answers", [{"greet": 1}, {"fix": 6}, {"fix": 0}, {"fix": True}, {"fix": 2.5}, {"bogus": True}]
)
def test_bad_answers_are_named(answers: dict) -> None:
    with pytest.raises(CriteriaError) as error:
        total_score(CRITERIA, answers)
    assert next(iter(answers)) in str(error.value)


def test_criteria_from_toml_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "qa.toml"
    toml.write_text(
        '[[criteria]]\nid = "greet"\nlabel = "Greeted"\n\n'
        '[[criteria]]\nid = "fix"\nlabel = "Resolved"\nkind = "scale"\nweight = 3\n'
    )
    assert load_criteria(toml) == CRITERIA
    as_json = tmp_path / "qa.json"
    as_json.write_text(json.dumps({"criteria": [c.to_dict() for c in CRITERIA]}))
    monkeypatch.setenv("CALLMON_QA_CRITERIA", str(as_json))
    assert load_criteria() == CRITERIA
    monkeypatch.delenv("CALLMON_QA_CRITERIA")
    assert load_criteria() == DEFAULT_CRITERIA


def test_bad_criteria_files_name_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[criteria]]\nid = "a"\nkind = "stars"\nweight = -1\n[[criteria]]\nlabel = "x"\n')
    with pytest.raises(CriteriaError) as error:
        load_criteria(bad)
    message = str(error.value)
    assert "criteria[0].kind" in message and "criteria[0].weight" in message and "criteria[1].id" in message
    broken = tmp_path / "broken.toml"
    broken.write_text("[[criteria]\n")
    with pytest.raises(CriteriaError, match=r"broken\.toml"):
        load_criteria(broken)


async def test_scorecards_are_stored_with_reviewer_time_and_criteria(tmp_path: Path) -> None:
    store = await ScorecardStore.open(tmp_path / "qa.db")
    try:
        first = await store.save(
            score_call(
                "c1",
                "alice",
                CRITERIA,
                {"greet": True, "fix": 3},
                notes="ok",
                tags=("coaching", " coaching", ""),
                reviewed_at=100.0,
            )
        )
        second = await store.save(
            score_call("c1", "bob", CRITERIA, {"greet": True, "fix": 5}, reviewed_at=200.0)
        )
        assert first.id is not None and first.tags == ("coaching",)
        cards = await store.list_for_call("c1")
        assert [c.reviewer for c in cards] == ["bob", "alice"]
        assert cards[1] == first and cards[1].criteria == CRITERIA
        assert (await store.latest("c1")) == second and await store.latest("other") is None
    finally:
        await store.close()
    with pytest.raises(ValueError, match="reviewer"):
        score_call("c1", "  ", CRITERIA, {})


async def test_agent_statistics(qa_db: Path) -> None:
    stats = {s.agent: s for s in await agent_statistics(qa_db, days=30)}
    assert set(stats) == {"a1", "a2"}  # a3's calls are older than 30 days
    a1 = stats["a1"]  # c01, c02, c07
    assert (a1.calls, a1.segments, a1.alerts, a1.agent_name) == (3, 7, 3, "A1")
    assert a1.avg_sentiment == pytest.approx((-0.4 + 0.5 - 0.6 - 0.3 - 0.8 + 0.0 + 0.1) / 7)
    assert (a1.positive_segments, a1.negative_segments) == (2, 4)
    assert a1.avg_duration == pytest.approx((120 + 300 + 45) / 3)
    assert a1.scored_calls == 1 and a1.avg_qa_score is not None
    a2 = stats["a2"]  # c03, c08 (active, no duration)
    assert (a2.calls, a2.alerts, a2.avg_duration, a2.avg_qa_score) == (2, 0, 60, None)
    everyone = await agent_statistics(qa_db, days=365)
    assert {s.agent for s in everyone} == {"a1", "a2", "a3"}
