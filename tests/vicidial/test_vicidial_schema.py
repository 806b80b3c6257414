"""The test schema stays true to ViciDial's: checked against the running server's information_schema.

The enrichment tests are only as good as the tables they run on. A cut-down
table hides queries that break on the real one (an ambiguous column in a
join, a name that collides with one of ViciDial's 155 user settings), so the
widths, the ON UPDATE timestamp, the engine and the collation are pinned here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from vicidial_testkit import DATABASE, MariaDB

# Column counts of ViciDial 2.14 (SPEC: "Real column counts").
REAL_COLUMN_COUNTS = {
    "vicidial_closer_log": 22,
    "vicidial_log": 18,
    "vicidial_users": 155,
    "vicidial_live_agents": 58,
    "recording_log": 15,
}


@pytest.fixture(scope="module")
def catalog(mariadb: MariaDB) -> Iterator[Any]:
    connection = mariadb.admin(database="information_schema")
    yield connection
    connection.close()


def rows(catalog: Any, sql: str, *args: object) -> list[tuple[Any, ...]]:
    with catalog.cursor() as cursor:
        cursor.execute(sql, args)
        return list(cursor.fetchall())


def without_charset_alias(collation: str) -> str:
    # MariaDB 10.6+ and MySQL 8 report ViciDial's utf8 as utf8mb3; same charset.
    return collation.replace("utf8mb3_", "utf8_")


def normalized_default(expression: str | None) -> str:
    # MariaDB prints current_timestamp(), MySQL CURRENT_TIMESTAMP: same default.
    return (expression or "").lower().replace("()", "")


@pytest.mark.parametrize(("table", "count"), sorted(REAL_COLUMN_COUNTS.items()))
def test_tables_are_as_wide_as_vicidials(catalog: Any, table: str, count: int) -> None:
    (found,) = rows(
        catalog,
        "SELECT COUNT(*) FROM COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
        DATABASE,
        table,
    )
    assert found[0] == count


def test_live_agents_last_update_time_is_stamped_on_every_update(catalog: Any) -> None:
    [(column_type, nullable, default, extra)] = rows(
        catalog,
        "SELECT COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA FROM COLUMNS"
        " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'vicidial_live_agents' AND COLUMN_NAME = 'last_update_time'",
        DATABASE,
    )
    assert column_type == "timestamp"
    assert nullable == "NO"
    assert normalized_default(default) == "current_timestamp"
    assert normalized_default(extra) == "on update current_timestamp"


def test_every_table_is_myisam_in_utf8_unicode_ci(catalog: Any) -> None:
    found = rows(
        catalog,
        "SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM TABLES WHERE TABLE_SCHEMA = %s",
        DATABASE,
    )
    assert {name: (engine, without_charset_alias(collation)) for name, engine, collation in found} == {
        table: ("MyISAM", "utf8_unicode_ci") for table in REAL_COLUMN_COUNTS
    }
    [(database_collation,)] = rows(
        catalog, "SELECT DEFAULT_COLLATION_NAME FROM SCHEMATA WHERE SCHEMA_NAME = %s", DATABASE
    )
    assert without_charset_alias(database_collation) == "utf8_unicode_ci"


def test_indexes_match_the_install_script(catalog: Any) -> None:
    found = rows(
        catalog,
        "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)"
        " FROM STATISTICS WHERE TABLE_SCHEMA = %s"
        " GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE",
        DATABASE,
    )
    indexes = {(table, name): (bool(non_unique), columns) for table, name, non_unique, columns in found}
    assert indexes == {
        ("vicidial_closer_log", "PRIMARY"): (False, "closecallid"),
        ("vicidial_closer_log", "lead_id"): (True, "lead_id"),
        ("vicidial_closer_log", "call_date"): (True, "call_date"),
        ("vicidial_closer_log", "campaign_id"): (True, "campaign_id"),
        ("vicidial_closer_log", "uniqueid"): (True, "uniqueid"),
        ("vicidial_closer_log", "phone_number"): (True, "phone_number"),
        ("vicidial_closer_log", "date_user"): (True, "call_date,user"),
        ("vicidial_log", "PRIMARY"): (False, "uniqueid"),
        ("vicidial_log", "lead_id"): (True, "lead_id"),
        ("vicidial_log", "call_date"): (True, "call_date"),
        ("vicidial_users", "PRIMARY"): (False, "user_id"),
        ("vicidial_users", "user"): (False, "user"),
        ("vicidial_live_agents", "PRIMARY"): (False, "live_agent_id"),
        ("vicidial_live_agents", "random_id"): (True, "random_id"),
        ("vicidial_live_agents", "last_call_time"): (True, "last_call_time"),
        ("vicidial_live_agents", "last_update_time"): (True, "last_update_time"),
        ("vicidial_live_agents", "last_call_finish"): (True, "last_call_finish"),
        ("vicidial_live_agents", "vlali"): (True, "lead_id"),
        ("vicidial_live_agents", "vlaus"): (True, "user"),
        ("recording_log", "PRIMARY"): (False, "recording_id"),
        ("recording_log", "filename"): (True, "filename"),
        ("recording_log", "lead_id"): (True, "lead_id"),
        ("recording_log", "user"): (True, "user"),
        ("recording_log", "vicidial_id"): (True, "vicidial_id"),
    }
