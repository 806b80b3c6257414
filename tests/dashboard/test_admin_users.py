"""User management on /admin/users through NiceGUI's simulated user, on the real
UserStore: the CLI's rules, the UI's own, the audit trail, and sessions that end."""

from __future__ import annotations

from nicegui import ui

from dashboard.users import CLI_ACTOR
from tests.dashboard.conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


async def open_admin(logged_in):
    admin = await logged_in("root")
    await admin.open("/admin/users")
    await admin.should_see("Changes to users", retries=30)
    return admin


async def logs_in(user, name: str, password: str) -> bool:
    response = await user.http_client.post("/api/login", json={"name": name, "password": password})
    return response.status_code == 200


async def session_is_over(user) -> bool:
    response = await user.http_client.get("/qa", follow_redirects=False)
    return response.status_code in (303, 307) and response.headers["location"].startswith("/login")


def audit_rows(admin) -> list[dict]:
    (table,) = [t for t in admin.find(kind=ui.table).elements if t._props.get("data-testid") == "user-audit"]
    return table.rows


def status(admin) -> str:
    (label,) = [
        e for e in admin.find(kind=ui.label).elements if e._props.get("data-testid") == "users-status"
    ]
    return label.text


async def test_admin_adds_a_user_who_can_then_log_in(logged_in, new_user) -> None:
    admin = await open_admin(logged_in)
    admin.find("New user name").type("dmitri")
    admin.find("Password").type(NEW_PASSWORD)
    admin.find(marker="add-user").click()
    await admin.should_see("Added dmitri (agent).", retries=30)
    assert await logs_in(new_user(), "dmitri", NEW_PASSWORD)
    entry = audit_rows(admin)[0]  # newest first; the fixture's users were added by the CLI
    assert (entry["actor"], entry["action"], entry["target"], entry["detail"]) == (
        "root",
        "added",
        "dmitri",
        "agent",
    )
    assert admin.find(marker="role-dmitri").elements.pop().value == "agent"


async def test_the_clis_rules_hold_in_the_ui(logged_in) -> None:
    admin = await open_admin(logged_in)
    admin.find("New user name").type("shorty")
    admin.find("Password").type("abc")
    admin.find(marker="add-user").click()
    await admin.should_see("passwords need at least 8 characters", retries=30)
    admin.find("New user name").clear().type("alice")
    admin.find("Password").clear().type(NEW_PASSWORD)
    admin.find(marker="add-user").click()
    await admin.should_see("user 'alice' already exists", retries=30)
    admin.find("New user name").clear()
    admin.find(marker="add-user").click()
    await admin.should_see("a user name needs 1 to 64 characters", retries=30)
    assert [row for row in audit_rows(admin) if row["actor"] == "root"] == []


async def test_role_change_ends_the_users_sessions_and_is_audited(logged_in, services) -> None:
    alice = await logged_in("alice")
    await alice.open("/agent")
    admin = await open_admin(logged_in)
    admin.find(marker="role-alice").elements.pop().value = "supervisor"
    admin.find(marker="change-role-alice").click()
    await admin.should_see("alice is now supervisor.", retries=30)
    assert "1 open page(s) were logged out" in status(admin)
    assert (await services.users.get("alice")).role == "supervisor"  # type: ignore[union-attr]
    assert await session_is_over(alice)
    assert await logs_in(alice, "alice", PASSWORD)  # logging in again gives the new role
    assert (await alice.http_client.get("/", follow_redirects=False)).status_code == 200
    entry = audit_rows(admin)[0]
    assert (entry["actor"], entry["action"], entry["target"], entry["detail"]) == (
        "root", "changed the role of", "alice", "agent → supervisor",
    )  # fmt: skip


async def test_password_reset_ends_sessions_and_only_the_new_password_works(logged_in, new_user) -> None:
    sup = await logged_in("sup")
    admin = await open_admin(logged_in)
    admin.find(marker="password-sup").type(NEW_PASSWORD)
    admin.find(marker="reset-password-sup").click()
    await admin.should_see("Password of sup reset.", retries=30)
    assert await session_is_over(sup)
    assert not await logs_in(new_user(), "sup", PASSWORD)
    assert await logs_in(new_user(), "sup", NEW_PASSWORD)
    entry = audit_rows(admin)[0]
    assert (entry["action"], entry["target"], entry["detail"]) == ("reset the password of", "sup", "")
    admin.find(marker="password-sup").type("short")
    admin.find(marker="reset-password-sup").click()
    await admin.should_see("passwords need at least 8 characters", retries=30)


async def test_remove_asks_first_then_logs_the_user_out(logged_in, new_user) -> None:
    quinn = await logged_in("quinn")
    admin = await open_admin(logged_in)
    admin.find(marker="remove-quinn").click()
    await admin.should_see("Remove quinn? They are logged out at once.", retries=30)
    admin.find(marker="confirm-remove-quinn").click()
    await admin.should_see("Removed quinn.", retries=30)
    assert await session_is_over(quinn)
    assert not await logs_in(new_user(), "quinn", PASSWORD)
    shown = {row._props["data-user"] for row in admin.find(kind=ui.row).elements if "data-user" in row._props}
    assert "quinn" not in shown and {"root", "sup", "alice"} <= shown
    assert audit_rows(admin)[0]["action"] == "removed"


async def test_the_last_admin_stays_and_nobody_removes_themselves(logged_in, services) -> None:
    admin = await open_admin(logged_in)
    admin.find(marker="role-root").elements.pop().value = "qa"
    admin.find(marker="change-role-root").click()
    await admin.should_see("root is the last admin and cannot be made qa", retries=30)
    admin.find(marker="remove-root").click()
    admin.find(marker="confirm-remove-root").click()
    await admin.should_see("You cannot remove yourself", retries=30)
    assert (await services.users.get("root")).role == "admin"  # type: ignore[union-attr]
    # With a second admin the first may step down.
    await services.users.add("root2", "admin", PASSWORD, actor="root")
    assert await services.users.set_role("root", "qa", actor="root2", keep_an_admin=True)
    assert (await services.users.get("root")).role == "qa"  # type: ignore[union-attr]


async def test_only_admins_manage_users(logged_in) -> None:
    for name in ("sup", "quinn", "alice"):
        user = await logged_in(name)
        assert (await user.http_client.get("/admin/users")).status_code == 403


async def test_cli_changes_are_audited_too(services) -> None:
    await services.users.add("temp", "qa", PASSWORD)
    await services.users.set_password("temp", NEW_PASSWORD)
    await services.users.remove("temp")
    trail = [e for e in await services.users.audit_trail() if e.target == "temp"]
    assert [(e.actor, e.action, e.target) for e in trail] == [
        (CLI_ACTOR, "remove", "temp"), (CLI_ACTOR, "password", "temp"), (CLI_ACTOR, "add", "temp"),
    ]  # fmt: skip
    assert all(NEW_PASSWORD not in e.detail and PASSWORD not in e.detail for e in trail)
