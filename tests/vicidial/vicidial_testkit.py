"""Test kit for the ViciDial tests: a real MariaDB server, a recording update_call, a bounded wait.

`MariaDB` is the shared MariaDB launcher (tests/support/servers.py) with the
ViciDial database on it. The session builds one template data directory (the
ViciDial DDL and rows, a read-only `callmon` user); every server is a copy of
it, so a test that kills or stops its server never disturbs another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.support.servers import MariaDBServer, build_mariadb_template, free_port
from tests.support.waiting import HANG_GUARD_S, wait_until
from vicidial import ViciDialSettings

__all__ = [
    "HANG_GUARD_S",
    "MariaDB",
    "RecordedUpdates",
    "build_template",
    "eventually",
    "free_port",
    "vicidial_warnings",
]

HERE = Path(__file__).parent
DATABASE = "asterisk"
READ_ONLY_USER = "callmon"
READ_ONLY_PASSWORD = "callmon-test-pw"
# After hang-up the enricher waits for wrap-up and the audio cron: minutes in
# production, about a second in tests.
SHORT_FOLLOW_UP: dict[str, float] = {
    "wrapup_window_s": 1.0,
    "recording_window_s": 1.0,
    "max_follow_delay_s": 0.1,
}


class MariaDB(MariaDBServer):
    """A MariaDB server holding ViciDial's `asterisk` database."""

    def admin(self, database: str | None = DATABASE) -> Any:
        return super().admin(database)

    def settings(self, **overrides: Any) -> ViciDialSettings:
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "user": READ_ONLY_USER,
            "password": READ_ONLY_PASSWORD,
            "database": DATABASE,
            "connect_timeout": 5.0,
            "query_timeout": 5.0,
            "recordings_url": "http://recordings.test/RECORDINGS/MP3",
        }
        values.update(overrides)
        return ViciDialSettings(**values)


def build_template(root: Path) -> Path:
    """Install a data directory, load ViciDial's tables and rows, add the read-only user."""

    def load_vicidial(server: MariaDBServer) -> None:
        connection = server.admin(database=None)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM mysql.global_priv WHERE User = ''")  # anonymous users
            cursor.execute("FLUSH PRIVILEGES")
            # As ViciDial's installer creates it.
            cursor.execute(f"CREATE DATABASE {DATABASE} DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci")
            cursor.execute(f"CREATE USER '{READ_ONLY_USER}'@'%' IDENTIFIED BY '{READ_ONLY_PASSWORD}'")
            cursor.execute(f"GRANT SELECT ON {DATABASE}.* TO '{READ_ONLY_USER}'@'%'")
        connection.close()
        for script in ("vicidial_schema.sql", "vicidial_rows.sql"):
            server.run_script(HERE / script, DATABASE)

    return build_mariadb_template(root / "data", load_vicidial)


class RecordedUpdates:
    """Stands in for `CallStore.update_call`: keeps every update it is given."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, dict[str, Any]]] = []

    async def __call__(self, call_id: str, fields: Mapping[str, Any]) -> None:
        self.updates.append((call_id, dict(fields)))

    def for_call(self, call_id: str) -> list[dict[str, Any]]:
        return [fields for updated, fields in self.updates if updated == call_id]

    def last(self, call_id: str) -> dict[str, Any] | None:
        updates = self.for_call(call_id)
        return updates[-1] if updates else None


async def eventually(condition: Callable[[], bool], what: str) -> None:
    """Wait until `condition()` holds (a guard against hangs, not a timing check)."""
    await wait_until(condition, message=what)


def vicidial_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name.startswith("vicidial") and r.levelname == "WARNING"
    ]
