"""Alerts and their notification deliveries, in the calls database (SQLite or PostgreSQL).

The ``alerts`` component owns its tables and migrations; storing an alert
also bumps ``calls.alert_count`` when the call's row exists (the core
component owns that table, and it may not exist yet in a fresh database).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ingest.events import AlertAcknowledged, AlertRaised, now
from ingest.storage.component_store import ComponentStore
from ingest.storage.database import Queries, Row
from ingest.storage.migrations import MigrationStep

COMPONENT = "alerts"

ALERT_MIGRATIONS: tuple[MigrationStep, ...] = (
    MigrationStep(
        """
    CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        call_id TEXT NOT NULL,
        level TEXT NOT NULL CHECK (level IN ('warning', 'urgent', 'critical')),
        rules TEXT NOT NULL,
        reasons TEXT NOT NULL,
        text TEXT NOT NULL,
        speaker TEXT NOT NULL,
        score REAL,
        rolling_score REAL,
        raised_at REAL NOT NULL,
        agent TEXT,
        acknowledged_by TEXT,
        acknowledged_at REAL
    );
    CREATE INDEX alerts_by_raised_at ON alerts (raised_at DESC);
    CREATE INDEX alerts_by_call ON alerts (call_id, raised_at DESC);
    CREATE TABLE alert_deliveries (
        alert_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        status TEXT NOT NULL
            CHECK (status IN ('pending', 'retrying', 'delivered', 'failed', 'dropped')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        delivered_at REAL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (alert_id, channel)
    );
    """,
        # `seq` is the insertion order that SQLite's rowid gives for free.
        """
    CREATE TABLE alerts (
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        id TEXT PRIMARY KEY,
        call_id TEXT NOT NULL,
        level TEXT NOT NULL CHECK (level IN ('warning', 'urgent', 'critical')),
        rules TEXT NOT NULL,
        reasons TEXT NOT NULL,
        text TEXT NOT NULL,
        speaker TEXT NOT NULL,
        score DOUBLE PRECISION,
        rolling_score DOUBLE PRECISION,
        raised_at DOUBLE PRECISION NOT NULL,
        agent TEXT,
        acknowledged_by TEXT,
        acknowledged_at DOUBLE PRECISION
    );
    CREATE INDEX alerts_by_raised_at ON alerts (raised_at DESC);
    CREATE INDEX alerts_by_call ON alerts (call_id, raised_at DESC);
    CREATE TABLE alert_deliveries (
        alert_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        status TEXT NOT NULL
            CHECK (status IN ('pending', 'retrying', 'delivered', 'failed', 'dropped')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        delivered_at DOUBLE PRECISION,
        updated_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (alert_id, channel)
    );
    """,
    ),
    # A critical alert may be acknowledged with a note saying what was done.
    MigrationStep.portable("ALTER TABLE alerts ADD COLUMN acknowledge_note TEXT;"),
)

# Per-dialect snippets: insertion order, and "this JSON list holds ?".
_INSERTION_ORDER = {"sqlite": "rowid", "postgresql": "seq"}
_RULES_CONTAIN = {
    "sqlite": "EXISTS (SELECT 1 FROM json_each(a.rules) WHERE value = ?)",
    "postgresql": "EXISTS (SELECT 1 FROM jsonb_array_elements_text(a.rules::jsonb) AS r (value) WHERE value = ?)",
}
_EVERY_RULE = {
    "sqlite": "SELECT DISTINCT value FROM alerts, json_each(alerts.rules) ORDER BY value",
    "postgresql": "SELECT DISTINCT value FROM alerts, jsonb_array_elements_text(alerts.rules::jsonb) AS r (value)"
    " ORDER BY value",
}
_TABLE_EXISTS = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
    "postgresql": "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?",
}

DeliveryStatus = str
"""pending, retrying, delivered, failed or dropped (queue full)."""


@dataclass(frozen=True, slots=True)
class Delivery:
    alert_id: str
    channel: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    delivered_at: float | None


@dataclass(frozen=True, slots=True)
class AlertQuery:
    """Filters of the Alerts page; None means "any". `live` needs the calls table
    (a call is live while its row says `active`)."""

    levels: tuple[str, ...] = ()
    rule: str | None = None
    agent: str | None = None
    campaign: str | None = None
    live: bool | None = None
    acknowledged: bool | None = None
    call_id: str | None = None
    limit: int = 500


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """An alert with what the Alerts page shows beside it."""

    alert: AlertRaised
    note: str | None
    call_live: bool | None
    """None when the call has no row (yet)."""
    campaign: str | None


class AlertStore(ComponentStore):
    """Alerts and deliveries; each write one short transaction."""

    COMPONENT = COMPONENT
    MIGRATIONS = ALERT_MIGRATIONS

    async def add_alert(self, alert: AlertRaised) -> None:
        """Store `alert` and count it on its call."""

        async def body(db: Queries) -> None:
            await db.execute(
                "INSERT INTO alerts (id, call_id, level, rules, reasons, text, speaker, score,"
                " rolling_score, raised_at, agent, acknowledged_by, acknowledged_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    alert.id,
                    alert.call_id,
                    alert.level,
                    json.dumps(list(alert.rules)),
                    json.dumps(list(alert.reasons)),
                    alert.text,
                    alert.speaker,
                    alert.score,
                    alert.rolling_score,
                    alert.raised_at,
                    alert.agent,
                    alert.acknowledged_by,
                    alert.acknowledged_at,
                ),
            )
            if await _has_table(db, "calls"):
                await db.execute(
                    "UPDATE calls SET alert_count = alert_count + 1 WHERE id = ?", (alert.call_id,)
                )

        await self._transaction(f"store alert {alert.id}", body)

    async def get_alert(self, alert_id: str) -> AlertRaised | None:
        rows = await self._read("SELECT * FROM alerts WHERE id = ?", (alert_id,))
        return alert_from_row(rows[0]) if rows else None

    async def list_alerts(
        self, limit: int = 100, call_id: str | None = None, unacknowledged_only: bool = False
    ) -> list[AlertRaised]:
        """Newest first."""
        where, params = [], []
        if call_id is not None:
            where.append("call_id = ?")
            params.append(call_id)
        if unacknowledged_only:
            where.append("acknowledged_at IS NULL")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = await self._read(
            f"SELECT * FROM alerts{clause} ORDER BY raised_at DESC, {_INSERTION_ORDER[self.dialect]} DESC LIMIT ?",
            (*params, limit),
        )
        return [alert_from_row(row) for row in rows]

    async def query_alerts(self, query: AlertQuery) -> list[StoredAlert]:
        """Newest first, filtered as the Alerts page asks."""
        joined = await self._has_calls_table()
        where: list[str] = []
        params: list[object] = []
        if query.levels:
            where.append(f"a.level IN ({', '.join('?' for _ in query.levels)})")
            params.extend(query.levels)
        if query.rule:
            where.append(_RULES_CONTAIN[self.dialect])
            params.append(query.rule)
        if query.agent:
            where.append("lower(a.agent) = lower(?)")
            params.append(query.agent)
        if query.call_id:
            where.append("a.call_id = ?")
            params.append(query.call_id)
        if query.acknowledged is not None:
            where.append(
                "a.acknowledged_at IS NOT NULL" if query.acknowledged else "a.acknowledged_at IS NULL"
            )
        if joined and query.campaign:
            where.append("lower(c.campaign) = lower(?)")
            params.append(query.campaign)
        if joined and query.live is not None:
            where.append(
                "c.status = 'active'" if query.live else "(c.status IS NULL OR c.status != 'active')"
            )
        elif not joined and (query.campaign or query.live):
            return []  # no calls table: no call is known to be live or in a campaign
        columns = "a.*, c.status AS call_status, c.campaign AS call_campaign" if joined else "a.*"
        source = "alerts a LEFT JOIN calls c ON c.id = a.call_id" if joined else "alerts a"
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = await self._read(
            f"SELECT {columns} FROM {source}{clause}"
            f" ORDER BY a.raised_at DESC, a.{_INSERTION_ORDER[self.dialect]} DESC LIMIT ?",
            (*params, query.limit),
        )
        return [
            StoredAlert(
                alert_from_row(row),
                row["acknowledge_note"],
                None if not joined or row["call_status"] is None else row["call_status"] == "active",
                row["call_campaign"] if joined else None,
            )
            for row in rows
        ]

    async def alert_rules(self) -> list[str]:
        """Every rule name that raised an alert (for the Alerts page's rule filter)."""
        rows = await self._read(_EVERY_RULE[self.dialect])
        return [str(row[0]) for row in rows]

    async def _has_calls_table(self) -> bool:
        return await _has_table(self.database, "calls")

    async def acknowledge(
        self, alert_id: str, by: str, at: float | None = None, note: str | None = None
    ) -> AlertAcknowledged | None:
        """Mark the alert seen by `by`; None if no such alert, or already acknowledged."""
        at = now() if at is None else at

        async def body(db: Queries) -> AlertAcknowledged | None:
            row = await db.fetch_one(
                "UPDATE alerts SET acknowledged_by = ?, acknowledged_at = ?, acknowledge_note = ?"
                " WHERE id = ? AND acknowledged_at IS NULL RETURNING call_id",
                (by, at, note, alert_id),
            )
            return None if row is None else AlertAcknowledged(alert_id, row[0], by, at)

        return await self._transaction(f"acknowledge alert {alert_id}", body)

    async def record_delivery(
        self,
        alert_id: str,
        channel: str,
        status: DeliveryStatus,
        attempts: int,
        last_error: str | None = None,
        delivered_at: float | None = None,
    ) -> None:
        """Insert or update the delivery of `alert_id` on `channel`."""

        async def body(db: Queries) -> None:
            await db.execute(
                "INSERT INTO alert_deliveries (alert_id, channel, status, attempts, last_error,"
                " delivered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (alert_id, channel) DO UPDATE SET status = excluded.status,"
                " attempts = excluded.attempts, last_error = excluded.last_error,"
                " delivered_at = excluded.delivered_at, updated_at = excluded.updated_at",
                (alert_id, channel, status, attempts, last_error, delivered_at, now()),
            )

        await self._transaction(f"record {channel} delivery of {alert_id}", body)

    async def list_deliveries(self, alert_id: str) -> list[Delivery]:
        rows = await self._read(
            "SELECT * FROM alert_deliveries WHERE alert_id = ? ORDER BY channel", (alert_id,)
        )
        return [
            Delivery(
                row["alert_id"],
                row["channel"],
                row["status"],
                row["attempts"],
                row["last_error"],
                row["delivered_at"],
            )
            for row in rows
        ]


def alert_from_row(row: Row) -> AlertRaised:
    return AlertRaised(
        id=row["id"],
        call_id=row["call_id"],
        level=row["level"],
        rules=tuple(json.loads(row["rules"])),
        reasons=tuple(json.loads(row["reasons"])),
        text=row["text"],
        speaker=row["speaker"],
        score=row["score"],
        rolling_score=row["rolling_score"],
        raised_at=row["raised_at"],
        agent=row["agent"],
        acknowledged_by=row["acknowledged_by"],
        acknowledged_at=row["acknowledged_at"],
    )


async def _has_table(db: Queries, name: str) -> bool:
    return await db.fetch_one(_TABLE_EXISTS[db.dialect], (name,)) is not None
