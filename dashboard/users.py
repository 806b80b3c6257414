"""Dashboard users: name, role and an argon2 password hash, in the calls database."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dashboard.roles import ROLES
from dashboard.schema import COMPONENT, DASHBOARD_MIGRATIONS
from ingest.storage.component_store import ComponentStore
from ingest.storage.database import Queries

MIN_PASSWORD_LENGTH = 8


class UserError(ValueError):
    """A user cannot be added or changed as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class DashboardUser:
    name: str
    role: str
    created_at: float
    sessions_valid_after: float = 0.0
    """Sessions that began before this moment are over (set by a role or password change)."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: float
    actor: str
    action: str
    target: str
    detail: str


CLI_ACTOR = "cli"
"""The actor recorded for changes made with `callmon users`."""
_USER_FIELDS = "name, role, created_at, sessions_valid_after"
# SQLite's write transaction already excludes every other writer; PostgreSQL
# locks the rows read, so a concurrent change waits and then sees ours.
_SELECT_ROLE_FOR_UPDATE = {
    "sqlite": "SELECT role FROM dashboard_users WHERE name = ?",
    "postgresql": "SELECT role FROM dashboard_users WHERE name = ? FOR UPDATE",
}
_ADMINS_FOR_UPDATE = {
    "sqlite": "SELECT name FROM dashboard_users WHERE role = 'admin' ORDER BY name LIMIT 2",
    "postgresql": "SELECT name FROM dashboard_users WHERE role = 'admin' ORDER BY name FOR UPDATE",
}


def _hasher() -> Any:
    return PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    return str(_hasher().hash(password))


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


class UserStore(ComponentStore):
    """Create with `await UserStore.open(db_path)`. Hashing runs in a thread:
    argon2 is slow on purpose and must not stall the event loop."""

    COMPONENT = COMPONENT
    MIGRATIONS = DASHBOARD_MIGRATIONS

    async def add(self, name: str, role: str, password: str, *, actor: str = CLI_ACTOR) -> DashboardUser:
        name = name.strip()
        if not name or len(name) > 64:
            raise UserError("a user name needs 1 to 64 characters")
        _check_role(role)
        password_hash = await asyncio.to_thread(hash_password, password)
        at = time.time()

        async def write(db: Queries) -> None:
            added = await db.execute(
                "INSERT INTO dashboard_users (name, role, password_hash, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                (name, role, password_hash, at, at),
            )
            if not added:
                raise UserError(f"user {name!r} already exists")
            await _audit(db, at, actor, "add", name, role)

        await self._transaction(f"add user {name}", write)
        return DashboardUser(name, role, at)

    async def remove(self, name: str, *, actor: str = CLI_ACTOR, keep_an_admin: bool = False) -> bool:
        """False when there is no such user. `keep_an_admin` refuses to remove the
        last admin (the dashboard's rule: nobody could manage users any more)."""

        async def write(db: Queries) -> bool:
            if keep_an_admin:
                await _refuse_last_admin(db, name, "removed")
            if await db.execute("DELETE FROM dashboard_users WHERE name = ?", (name,)) == 0:
                return False
            await _audit(db, time.time(), actor, "remove", name)
            return True

        return await self._transaction(f"remove user {name}", write)

    async def set_role(
        self, name: str, role: str, *, actor: str = CLI_ACTOR, keep_an_admin: bool = False
    ) -> bool:
        """Change `name`'s role and end their sessions (they log in again with the new
        role). False when there is no such user."""
        _check_role(role)

        async def write(db: Queries) -> bool:
            row = await db.fetch_one(_SELECT_ROLE_FOR_UPDATE[db.dialect], (name,))
            if row is None:
                return False
            before = row[0]
            if before == role:
                return True
            if keep_an_admin and before == "admin":
                await _refuse_last_admin(db, name, f"made {role}")
            at = time.time()
            await db.execute(
                "UPDATE dashboard_users SET role = ?, updated_at = ?, sessions_valid_after = ? WHERE name = ?",
                (role, at, at, name),
            )
            await _audit(db, at, actor, "role", name, f"{before} → {role}")
            return True

        return await self._transaction(f"change role of {name}", write)

    async def set_password(self, name: str, password: str, *, actor: str = CLI_ACTOR) -> bool:
        """Set `name`'s password and end their sessions. False when there is no such user."""
        password_hash = await asyncio.to_thread(hash_password, password)

        async def write(db: Queries) -> bool:
            at = time.time()
            changed = await db.execute(
                "UPDATE dashboard_users SET password_hash = ?, updated_at = ?, sessions_valid_after = ?"
                " WHERE name = ?",
                (password_hash, at, at, name),
            )
            if changed == 0:
                return False
            await _audit(db, at, actor, "password", name)  # never the password, nor its hash
            return True

        return await self._transaction(f"change password of {name}", write)

    async def audit_trail(self, limit: int = 200) -> list[AuditEntry]:
        """The newest changes to users first."""
        rows = await self._read(
            "SELECT at, actor, action, target, detail FROM dashboard_user_audit ORDER BY at DESC, id DESC"
            " LIMIT ?",
            (limit,),
        )
        return [AuditEntry(*row) for row in rows]

    async def get(self, name: str) -> DashboardUser | None:
        rows = await self._read(f"SELECT {_USER_FIELDS} FROM dashboard_users WHERE name = ?", (name,))
        return DashboardUser(*rows[0]) if rows else None

    async def list(self) -> list[DashboardUser]:
        rows = await self._read(f"SELECT {_USER_FIELDS} FROM dashboard_users ORDER BY name", ())
        return [DashboardUser(*row) for row in rows]

    async def count_admins(self) -> int:
        rows = await self._read("SELECT COUNT(*) FROM dashboard_users WHERE role = 'admin'", ())
        return int(rows[0][0])

    async def authenticate(self, name: str, password: str) -> DashboardUser | None:
        """The user when `password` is theirs, else None (unknown names cost a hash too,
        so timing does not tell which names exist)."""
        rows = await self._read(
            f"SELECT {_USER_FIELDS}, password_hash FROM dashboard_users WHERE name = ?", (name,)
        )
        stored = rows[0]["password_hash"] if rows else _DUMMY_HASH
        ok = await asyncio.to_thread(password_matches, stored, password)
        return DashboardUser(*list(rows[0])[:4]) if ok and rows else None


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"role {role!r} is not one of {', '.join(ROLES)}")


async def _refuse_last_admin(db: Queries, name: str, change: str) -> None:
    """Inside the write transaction, so two admins demoting each other at once
    cannot both succeed (on PostgreSQL the admin rows stay locked until it ends)."""
    rows = await db.fetch_all(_ADMINS_FOR_UPDATE[db.dialect], ())
    if [row[0] for row in rows] == [name]:
        raise UserError(f"{name} is the last admin and cannot be {change}: make another admin first")


async def _audit(db: Queries, at: float, actor: str, action: str, target: str, detail: str = "") -> None:
    await db.execute(
        "INSERT INTO dashboard_user_audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        (at, actor, action, target, detail),
    )


_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$CTObfJojAyUJp1oO8eJJ4Q$se7qMkOqI7qHVSKIJj7uCRKINM954ZVIXFIv2ULNewU"
)
"""A hash of a random password: verifying against it costs what a real check costs."""
