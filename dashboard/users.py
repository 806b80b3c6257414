"""Dashboard users: name, role and an argon2 password hash, in the calls database."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

import aiosqlite

from dashboard.roles import ROLES
from dashboard.schema import COMPONENT, DASHBOARD_MIGRATIONS
from ingest.storage.component_store import ComponentStore

MIN_PASSWORD_LENGTH = 8


class UserError(ValueError):
    """A user cannot be added or changed as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class DashboardUser:
    name: str
    role: str
    created_at: float


def _hasher() -> Any:
    try:
        from argon2 import PasswordHasher
    except ImportError:  # pragma: no cover - a broken install
        raise RuntimeError("dashboard logins need argon2-cffi: pip install argon2-cffi") from None
    return PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    return str(_hasher().hash(password))


def password_matches(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


class UserStore(ComponentStore):
    """Create with `await UserStore.open(db_path)`. Hashing runs in a thread:
    argon2 is slow on purpose and must not stall the event loop."""

    COMPONENT = COMPONENT
    MIGRATIONS = DASHBOARD_MIGRATIONS

    async def add(self, name: str, role: str, password: str) -> DashboardUser:
        name = name.strip()
        if not name or len(name) > 64:
            raise UserError("a user name needs 1 to 64 characters")
        if role not in ROLES:
            raise UserError(f"role {role!r} is not one of {', '.join(ROLES)}")
        password_hash = await asyncio.to_thread(hash_password, password)
        at = time.time()

        async def write(db: aiosqlite.Connection) -> None:
            try:
                await db.execute(
                    "INSERT INTO dashboard_users (name, role, password_hash, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (name, role, password_hash, at, at),
                )
            except sqlite3.IntegrityError:
                raise UserError(f"user {name!r} already exists") from None

        await self._write(f"add user {name}", write)
        return DashboardUser(name, role, at)

    async def remove(self, name: str) -> bool:
        async def write(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute("DELETE FROM dashboard_users WHERE name = ?", (name,))
            return cursor.rowcount > 0

        return await self._write(f"remove user {name}", write)

    async def set_password(self, name: str, password: str) -> bool:
        password_hash = await asyncio.to_thread(hash_password, password)

        async def write(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "UPDATE dashboard_users SET password_hash = ?, updated_at = ? WHERE name = ?",
                (password_hash, time.time(), name),
            )
            return cursor.rowcount > 0

        return await self._write(f"change password of {name}", write)

    async def get(self, name: str) -> DashboardUser | None:
        rows = await self._read("SELECT name, role, created_at FROM dashboard_users WHERE name = ?", (name,))
        return DashboardUser(*rows[0]) if rows else None

    async def list(self) -> list[DashboardUser]:
        rows = await self._read("SELECT name, role, created_at FROM dashboard_users ORDER BY name", ())
        return [DashboardUser(*row) for row in rows]

    async def count_admins(self) -> int:
        rows = await self._read("SELECT COUNT(*) FROM dashboard_users WHERE role = 'admin'", ())
        return int(rows[0][0])

    async def authenticate(self, name: str, password: str) -> DashboardUser | None:
        """The user when `password` is theirs, else None (unknown names cost a hash too,
        so timing does not tell which names exist)."""
        rows = await self._read(
            "SELECT name, role, created_at, password_hash FROM dashboard_users WHERE name = ?", (name,)
        )
        stored = rows[0]["password_hash"] if rows else _DUMMY_HASH
        ok = await asyncio.to_thread(password_matches, stored, password)
        return DashboardUser(*rows[0][:3]) if ok and rows else None


_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$CTObfJojAyUJp1oO8eJJ4Q$se7qMkOqI7qHVSKIJj7uCRKINM954ZVIXFIv2ULNewU"
)
"""A hash of a random password: verifying against it costs what a real check costs."""
