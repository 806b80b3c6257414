"""Roles and which pages each may open (pure; the one place access is decided)."""

from __future__ import annotations

from typing import Literal

Role = Literal["supervisor", "qa", "agent", "admin"]
ROLES: tuple[Role, ...] = ("supervisor", "qa", "agent", "admin")

SUPERVISOR_PAGES: frozenset[Role] = frozenset({"supervisor", "admin"})
QA_PAGES: frozenset[Role] = frozenset({"qa", "supervisor", "admin"})
AGENT_PAGES: frozenset[Role] = frozenset({"agent", "admin"})
ADMIN_PAGES: frozenset[Role] = frozenset({"admin"})
CALL_PAGES: frozenset[Role] = frozenset({"supervisor", "qa", "admin"})
"""The call view: supervisors live, QA reviewers after the fact."""

HOME_BY_ROLE: dict[str, str] = {"supervisor": "/", "admin": "/", "qa": "/qa", "agent": "/agent"}


def may_open(role: str | None, allowed: frozenset[Role]) -> bool:
    return role in allowed


def home_for(role: str) -> str:
    return HOME_BY_ROLE.get(role, "/login")
