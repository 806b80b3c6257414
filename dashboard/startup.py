"""Start-up rules: no dashboard without a secret and an admin, except in demo mode,
where a demo login is made up and printed."""

from __future__ import annotations

import secrets

from dashboard.settings import DashboardConfigError, DashboardSettings
from dashboard.users import UserStore

DEMO_USER = "demo"


async def check_ready(settings: DashboardSettings, users: UserStore) -> None:
    problems = []
    if not settings.secret:
        problems.append(
            "set CALLMON_DASHBOARD_SECRET to a long random string (it signs login sessions),"
            " e.g. export CALLMON_DASHBOARD_SECRET=$(openssl rand -hex 32)"
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
