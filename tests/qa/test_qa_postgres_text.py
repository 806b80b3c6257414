"""The pure parts of the PostgreSQL search: the tsquery SQL, the match estimate,
joined phrase marks, and the per-dialect filter SQL."""

from __future__ import annotations

from qa.filters import call_filter, order_by
from qa.query import SearchQuery
from qa.search_estimate import LexemeStatistics, estimate_matches
from qa.search_postgres import join_spans, tsquery_sql
from qa.text import parse_search_text


def test_every_term_is_a_parameter_never_sql() -> None:
    parsed = parse_search_text('refund bill OR "money back" OR \'; DROP TABLE calls; --')
    assert parsed.alternatives == (("refund", "bill"), ("money back",), ("DROP", "TABLE", "calls"))
    sql, params = tsquery_sql(parsed.alternatives)

    def term(n: int) -> str:
        return f"phraseto_tsquery('callmon_search', CAST(:term_{n} AS text))"

    assert sql == (f"(SELECT ({term(0)} && {term(1)}) || {term(2)} || ({term(3)} && {term(4)} && {term(5)}))")
    assert params == {
        "term_0": "refund", "term_1": "bill", "term_2": "money back",
        "term_3": "DROP", "term_4": "TABLE", "term_5": "calls",
    }  # fmt: skip
    assert "DROP" not in sql


def test_the_estimate_bounds_a_phrase_by_its_rarest_word_and_adds_alternatives() -> None:
    stats = LexemeStatistics(
        rows=1_000_000, frequencies={"this": 0.3, "call": 0.2, "refund": 0.02}, floor=0.001, read_at=0
    )
    assert estimate_matches(stats, [["this call"]]) == 200_000
    assert estimate_matches(stats, [["Refund"], ["zanzibar"]]) == 21_000  # unlisted: at most the floor
    assert (
        estimate_matches(stats, [["this"], ["call"], ["this call"], ["this"], ["this"]]) == 1_000_000
    )  # capped


def test_phrase_marks_apart_only_by_spaces_are_joined() -> None:
    text = "I want a refund, a refund"
    assert join_spans(text, ((2, 6), (7, 8), (9, 15), (17, 18), (19, 25))) == ((2, 15), (17, 25))
    assert join_spans(text, ()) == ()


def test_postgresql_filters_use_lower_indexes_jsonb_and_booleans() -> None:
    query = SearchQuery(agent="Dmitri", campaign="Billing", keyword="Refund", alert_level="urgent")
    pg = call_filter(query, alerts_table=False, dialect="postgresql")
    sql = pg.sql()
    assert "lower(c.agent) = lower(CAST(:agent AS text))" in sql
    assert "lower(c.in_group) = lower(CAST(:campaign AS text))" in sql
    assert "jsonb_array_elements_text" in sql and "1 = 0" in sql and "COLLATE" not in sql
    assert pg.params["keyword"] == "refund"
    assert call_filter(SearchQuery(), alerts_table=True, dialect="postgresql").sql() == "1 = 1"
    sqlite = call_filter(query, alerts_table=True).sql()
    assert "COLLATE NOCASE" in sqlite and "json_each" in sqlite


def test_missing_values_sort_as_the_smallest_on_postgresql_too() -> None:
    ascending = SearchQuery(sort="duration", descending=False)
    assert order_by(ascending, dialect="postgresql") == "c.duration ASC NULLS FIRST, c.id ASC"
    assert (
        order_by(SearchQuery(sort="sentiment"), dialect="postgresql")
        == "c.avg_sentiment DESC NULLS LAST, c.id DESC"
    )
    assert order_by(SearchQuery(), dialect="postgresql") == "c.started_at DESC, c.id DESC"
    assert order_by(ascending) == "c.duration ASC, c.id ASC"  # SQLite: its own rule already
