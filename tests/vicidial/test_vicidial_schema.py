"""The test schema stays true to ViciDial's: checked against the running server's information_schema.

The enrichment tests are only as good as the tables they run on. A cut-down
table hides queries that break on the real one (an ambiguous column in a
join, a name that collides with one of ViciDial's 155 user settings), so the
widths, the definitions of the columns callmon reads, the indexes, the ON
UPDATE timestamp, the engine and the collation are pinned here.
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

INBOUND_TERM_REASONS = (
    "enum('CALLER','AGENT','QUEUETIMEOUT','ABANDON','AFTERHOURS','HOLDRECALLXFER','HOLDTIME',"
    "'NOAGENT','NONE','MAXCALLS','ACFILTER','CLOSETIME')"
)
OUTBOUND_TERM_REASONS = "enum('CALLER','AGENT','QUEUETIMEOUT','ABANDON','AFTERHOURS','NONE','SYSTEM')"
AGENT_STATUSES = "enum('READY','QUEUE','INCALL','PAUSED','CLOSER','MQUEUE')"

# Every column callmon's queries read or filter on, as the install script
# defines it: (type, nullable, default).
READ_COLUMNS = {
    ("vicidial_closer_log", "closecallid"): ("int(9) unsigned", "NO", None),
    ("vicidial_closer_log", "lead_id"): ("int(9) unsigned", "NO", None),
    ("vicidial_closer_log", "campaign_id"): ("varchar(20)", "YES", None),
    ("vicidial_closer_log", "call_date"): ("datetime", "YES", None),
    ("vicidial_closer_log", "status"): ("varchar(6)", "YES", None),
    ("vicidial_closer_log", "phone_number"): ("varchar(18)", "YES", None),
    ("vicidial_closer_log", "user"): ("varchar(20)", "YES", None),
    ("vicidial_closer_log", "length_in_sec"): ("int(10)", "YES", None),
    ("vicidial_closer_log", "queue_seconds"): ("decimal(7,2)", "YES", "0.00"),
    ("vicidial_closer_log", "term_reason"): (INBOUND_TERM_REASONS, "YES", "NONE"),
    ("vicidial_closer_log", "uniqueid"): ("varchar(20)", "NO", ""),
    ("vicidial_log", "uniqueid"): ("varchar(20)", "NO", None),
    ("vicidial_log", "lead_id"): ("int(9) unsigned", "NO", None),
    ("vicidial_log", "campaign_id"): ("varchar(8)", "YES", None),
    ("vicidial_log", "call_date"): ("datetime", "YES", None),
    ("vicidial_log", "status"): ("varchar(6)", "YES", None),
    ("vicidial_log", "phone_number"): ("varchar(18)", "YES", None),
    ("vicidial_log", "user"): ("varchar(20)", "YES", None),
    ("vicidial_log", "length_in_sec"): ("int(10)", "YES", None),
    ("vicidial_log", "term_reason"): (OUTBOUND_TERM_REASONS, "YES", "NONE"),
    ("vicidial_users", "user"): ("varchar(20)", "NO", None),
    ("vicidial_users", "full_name"): ("varchar(50)", "YES", None),
    ("vicidial_live_agents", "user"): ("varchar(20)", "YES", None),
    ("vicidial_live_agents", "status"): (AGENT_STATUSES, "YES", "PAUSED"),
    ("vicidial_live_agents", "lead_id"): ("int(9) unsigned", "NO", None),
    ("vicidial_live_agents", "campaign_id"): ("varchar(8)", "YES", None),
    ("vicidial_live_agents", "uniqueid"): ("varchar(20)", "YES", None),
    ("vicidial_live_agents", "callerid"): ("varchar(20)", "YES", None),
    ("vicidial_live_agents", "channel"): ("varchar(100)", "YES", None),
    ("vicidial_live_agents", "calls_today"): ("smallint(5) unsigned", "YES", "0"),
    ("recording_log", "recording_id"): ("int(10) unsigned", "NO", None),
    ("recording_log", "filename"): ("varchar(100)", "YES", None),
    ("recording_log", "location"): ("varchar(255)", "YES", None),
    ("recording_log", "start_time"): ("datetime", "YES", None),
    ("recording_log", "lead_id"): ("int(9) unsigned", "YES", None),
    ("recording_log", "user"): ("varchar(20)", "YES", None),
    ("recording_log", "vicidial_id"): ("varchar(20)", "YES", None),
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


def unquoted_default(expression: str | None) -> str | None:
    # MariaDB quotes string defaults and writes a NULL default as 'NULL'; MySQL does neither.
    if expression is None or expression == "NULL":
        return None
    return expression.strip("'")


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


def test_columns_callmon_reads_are_defined_as_in_vicidial(catalog: Any) -> None:
    found = rows(
        catalog,
        "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT FROM COLUMNS"
        " WHERE TABLE_SCHEMA = %s",
        DATABASE,
    )
    definitions = {
        (table, column): (column_type, nullable, unquoted_default(default))
        for table, column, column_type, nullable, default in found
    }
    assert {key: definitions.get(key) for key in READ_COLUMNS} == READ_COLUMNS
