"""SQLite-style placeholders rewritten for psycopg (pure)."""

from __future__ import annotations

import pytest

from ingest.storage.placeholders import to_psycopg


@pytest.mark.parametrize(
    ("sqlite", "psycopg"),
    [
        ("SELECT * FROM calls WHERE id = ?", "SELECT * FROM calls WHERE id = %s"),
        ("UPDATE t SET a = ?, b = ? WHERE c = ?", "UPDATE t SET a = %s, b = %s WHERE c = %s"),
        ("WHERE id = :call_id AND x = :x1", "WHERE id = %(call_id)s AND x = %(x1)s"),
        ("SELECT 'a?b :c' FROM t WHERE x = ?", "SELECT 'a?b :c' FROM t WHERE x = %s"),
        ("SELECT 'it''s ?' , ?", "SELECT 'it''s ?' , %s"),
        (
            'SELECT "weird?:col" FROM t WHERE "user" = :user',
            'SELECT "weird?:col" FROM t WHERE "user" = %(user)s',
        ),
        (
            "SELECT x::text, y::DOUBLE PRECISION FROM t WHERE z = :z",
            "SELECT x::text, y::DOUBLE PRECISION FROM t WHERE z = %(z)s",
        ),
        ("SELECT 100 % 7, ? LIKE 'a%'", "SELECT 100 %% 7, %s LIKE 'a%%'"),
        ("SELECT 1 -- what? :no\n, ?", "SELECT 1 -- what? :no\n, %s"),
        ("SELECT /* ? :x */ ?", "SELECT /* ? :x */ %s"),
        ("SELECT a:b", "SELECT a:b"),
    ],
)
def test_rewrites_placeholders_outside_literals(sqlite: str, psycopg: str) -> None:
    assert to_psycopg(sqlite) == psycopg
