"""Start-up rules: no dashboard without a secret and an admin, except in demo mode,
where a demo login is made up and printed."""

from __future__ import annotations

import math
import secrets
import string

from dashboard.settings import DashboardConfigError, DashboardSettings
from dashboard.users import UserStore

DEMO_USER = "demo"
MIN_SECRET_BITS = 256
"""The secret signs every session: at least 32 bytes of entropy (`openssl rand -hex 32`)."""


def secret_strength_bits(secret: str) -> float:
    """A generous upper bound on the secret's entropy: its length times the bits of
    the smallest alphabet that spells it (so `aaaa...` and short words score low)."""
    if len(set(secret)) < 8:
        return 0.0
    if set(secret) <= set(string.hexdigits.lower()) or set(secret) <= set(
        string.hexdigits.upper() + string.digits
    ):
        alphabet = 16
    else:
        alphabet = sum(
            size
            for chars, size in (
                (string.ascii_lowercase, 26),
                (string.ascii_uppercase, 26),
                (string.digits, 10),
            )
            if any(c in chars for c in secret)
        ) + (33 if any(not c.isalnum() for c in secret) else 0)
    return len(secret) * math.log2(max(alphabet, 2))


async def check_ready(settings: DashboardSettings, users: UserStore) -> None:
    problems = []
    if not settings.secret:
        problems.append(
            "set CALLMON_DASHBOARD_SECRET to a long random string (it signs login sessions),"
            " e.g. export CALLMON_DASHBOARD_SECRET=$(openssl rand -hex 32)"
        )
    elif secret_strength_bits(settings.secret) < MIN_SECRET_BITS:
        problems.append(
            f"CALLMON_DASHBOARD_SECRET is too weak to sign sessions (needs {MIN_SECRET_BITS // 8} random"
            " bytes); e.g. export CALLMON_DASHBOARD_SECRET=$(openssl rand -hex 32)"
        )
    if await users.count_admins() == 0:
        problems.append("add an administrator: callmon users add NAME --role admin")
    if problems:
        raise DashboardConfigError("the dashboard cannot start:\n  - " + "\n  - ".join(problems))


async def prepare_demo(settings: DashboardSettings, users: UserStore) -> tuple[DashboardSettings, str]:
    """A throwaway secret (unless one is set) and a fresh password for the demo admin."""
    password = secrets.token_urlsafe(9)
    if await users.get(DEMO_USER) is None:
        await users.add(DEMO_USER, "admin", password)
    else:
        await users.set_password(DEMO_USER, password)
    if not settings.secret:
        settings = settings.model_copy(update={"secret": secrets.token_urlsafe(32)})
    return settings, password
