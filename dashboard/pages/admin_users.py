"""/admin/users: add, remove, change the role of and reset the password of
dashboard users, with the rules of `callmon users` (UserStore checks them)
plus two of the UI's own: the last admin stays an admin, and nobody removes
themselves. Every change is in the audit trail shown below the users; a role
or password change, or a removal, ends that user's open sessions at once."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from nicegui import ui

from dashboard.auth import SessionUser, end_sessions, guarded_page
from dashboard.layout import frame
from dashboard.roles import ADMIN_PAGES, ROLES
from dashboard.services import DashboardServices
from dashboard.users import MIN_PASSWORD_LENGTH, AuditEntry, DashboardUser, UserError

ACTION_WORDS = {
    "add": "added",
    "remove": "removed",
    "role": "changed the role of",
    "password": "reset the password of",
}
AUDIT_COLUMNS = [
    {"name": "when", "label": "When", "field": "when", "align": "left"},
    {"name": "actor", "label": "Who", "field": "actor", "align": "left"},
    {"name": "action", "label": "Did", "field": "action", "align": "left"},
    {"name": "target", "label": "User", "field": "target", "align": "left"},
    {"name": "detail", "label": "Detail", "field": "detail", "align": "left"},
]


def audit_row(entry: AuditEntry) -> dict[str, str]:
    return {
        "when": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.at)),
        "actor": entry.actor,
        "action": ACTION_WORDS.get(entry.action, entry.action),
        "target": entry.target,
        "detail": entry.detail,
    }


def register(services: DashboardServices) -> None:
    store = services.users

    @guarded_page("/admin/users", ADMIN_PAGES, "Users")
    async def users_page(user: SessionUser) -> None:
        with frame(services, user, "Users"):
            status = ui.label().props('role="status" data-testid="users-status"').classes("text-sm")
            with ui.card().classes("w-full"), ui.row().classes("w-full items-end gap-3"):
                ui.label("Add a user").classes("font-semibold")
                new_name = ui.input("New user name").props("dense").classes("w-48")
                new_role = ui.select(list(ROLES), label="Role", value="agent").props("dense").classes("w-36")
                new_password = (
                    ui.input("Password", password=True, password_toggle_button=True)
                    .props(f'dense hint="at least {MIN_PASSWORD_LENGTH} characters"')
                    .classes("w-56")
                )
                ui.button("Add user", on_click=lambda: add()).mark("add-user")
            manage = ui.column().classes("w-full gap-1").props('data-testid="users"')
            ui.label("Changes to users").classes("text-lg font-semibold mt-4")
            audit = ui.table(columns=AUDIT_COLUMNS, rows=[], row_key="key").classes("w-full")
            audit.props('data-testid="user-audit"')

        def say(text: str, ok: bool) -> None:
            status.text = text
            status.classes(replace="text-sm " + ("text-green-800" if ok else "text-red-800"))

        async def change(
            action: Callable[[], Awaitable[bool]], done: str, ends_sessions_of: str | None
        ) -> None:
            try:
                found = await action()
            except UserError as error:
                say(str(error), ok=False)
                return
            if not found:
                say("That user no longer exists (changed elsewhere?).", ok=False)
            else:
                ended = end_sessions(ends_sessions_of) if ends_sessions_of else 0
                say(done + (f" Their {ended} open page(s) were logged out." if ended else ""), ok=True)
            await refresh()

        async def add() -> None:
            name, role, password = (new_name.value or "").strip(), new_role.value, new_password.value or ""

            async def action() -> bool:
                await store.add(name, role, password, actor=user.name)
                return True

            await change(action, f"Added {name} ({role}).", None)
            if status.text.startswith("Added"):
                new_name.value, new_password.value = "", ""

        async def set_role(name: str, role: str) -> None:
            await change(
                lambda: store.set_role(name, role, actor=user.name, keep_an_admin=True),
                f"{name} is now {role}.",
                name,
            )

        async def reset_password(name: str, password: str) -> None:
            await change(
                lambda: store.set_password(name, password, actor=user.name),
                f"Password of {name} reset.",
                name,
            )

        async def remove(name: str) -> None:
            if name == user.name:
                say("You cannot remove yourself: ask another admin.", ok=False)
                return
            await change(
                lambda: store.remove(name, actor=user.name, keep_an_admin=True), f"Removed {name}.", name
            )

        def confirm_remove(name: str) -> None:
            async def confirmed() -> None:
                dialog.close()
                await remove(name)

            with ui.dialog() as dialog, ui.card():
                ui.label(f"Remove {name}? They are logged out at once.")
                with ui.row():
                    ui.button("Cancel", on_click=dialog.close).props("flat")
                    ui.button("Remove", color="negative", on_click=confirmed).mark(f"confirm-remove-{name}")
            dialog.open()

        def manage_row(someone: DashboardUser) -> None:
            with ui.row().classes("w-full items-end gap-3").props('data-testid="manage-user"') as row:
                row._props["data-user"] = someone.name  # set directly: a name is typed by people
                ui.label(someone.name).classes("w-40 font-medium")
                ui.label("since " + time.strftime("%Y-%m-%d", time.localtime(someone.created_at))).classes(
                    "w-32 text-sm text-gray-500"
                )
                role = ui.select(list(ROLES), value=someone.role, label="Role").props("dense").classes("w-36")
                role.mark(f"role-{someone.name}")
                ui.button("Change role", on_click=lambda: set_role(someone.name, role.value)).props(
                    "flat dense"
                ).mark(f"change-role-{someone.name}")
                password = ui.input("New password", password=True).props("dense").classes("w-48")
                password.mark(f"password-{someone.name}")
                ui.button(
                    "Reset password", on_click=lambda: reset_password(someone.name, password.value or "")
                ).props("flat dense").mark(f"reset-password-{someone.name}")
                ui.button("Remove", on_click=lambda: confirm_remove(someone.name)).props(
                    "flat dense color=negative"
                ).mark(f"remove-{someone.name}")

        async def refresh() -> None:
            people = await store.list()
            manage.clear()
            with manage:
                for someone in people:
                    manage_row(someone)
            audit.rows = [{"key": n, **audit_row(e)} for n, e in enumerate(await store.audit_trail())]
            audit.update()

        await refresh()
