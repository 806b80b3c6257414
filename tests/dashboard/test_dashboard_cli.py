"""`callmon users ...` and the dashboard's refusal to start unconfigured."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from dashboard.components.transcript import highlight_chunks
from dashboard.settings import DashboardConfigError, DashboardSettings
from dashboard.startup import MIN_SECRET_BITS, check_ready, secret_strength_bits
from dashboard.users import UserStore


def run(*args: str, env: dict[str, str] | None = None, input: str | None = None):
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def test_users_add_list_passwd_remove(tmp_path: Path) -> None:
    db = str(tmp_path / "callmon.db")
    added = run("users", "add", "root", "--role", "admin", "--db", db, input="s3cret-pass\ns3cret-pass\n")
    assert added.exit_code == 0, added.output
    assert (
        run("users", "add", "root", "--role", "qa", "--password", "another-pass", "--db", db).exit_code == 1
    )
    assert run("users", "add", "short", "--role", "qa", "--password", "abc", "--db", db).exit_code == 1
    assert run("users", "list", "--db", db).output.splitlines() == ["root\tadmin"]
    assert run("users", "passwd", "root", "--password", "new-password", "--db", db).exit_code == 0
    assert run("users", "passwd", "nobody", "--password", "new-password", "--db", db).exit_code == 1
    assert run("users", "remove", "root", "--db", db).exit_code == 0
    assert run("users", "list", "--db", db).output == ""


def test_dashboard_refuses_to_start_without_secret_and_admin(tmp_path: Path) -> None:
    result = run(
        "dashboard",
        "--db",
        str(tmp_path / "callmon.db"),
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        env={"CALLMON_DASHBOARD_SECRET": "", "REDIS_URL": ""},
    )
    assert result.exit_code == 1
    assert "CALLMON_DASHBOARD_SECRET" in result.output
    assert "callmon users add NAME --role admin" in result.output


def test_highlighting_marks_whole_words_only() -> None:
    chunks = highlight_chunks("Cancel it, the cancellation is a damn scam", ["cancel", "scam"], ["damn"])
    assert chunks == [
        ("Cancel", "keyword"),
        (" it, the cancellation is a ", None),
        ("damn", "profanity"),
        (" ", None),
        ("scam", "keyword"),
    ]
    assert highlight_chunks("<b>hi</b>", [], []) == [("<b>hi</b>", None)]


@pytest.mark.parametrize(
    ("secret", "strong"),
    [
        ("a", False),
        ("test secret", False),
        ("correct horse battery staple", False),
        ("x" * 200, False),  # long but one letter
        ("0123456789abcdef" * 3, False),  # 48 hex digits: 192 bits
        (secrets.token_hex(32), True),  # 64 hex digits: 256 bits
        (secrets.token_urlsafe(32), True),
    ],
    ids=[
        "one-letter",
        "two-words",
        "passphrase",
        "one-letter-long",
        "hex-192-bits",
        "hex-256-bits",
        "urlsafe-32",
    ],
)
def test_the_dashboard_secret_must_carry_32_bytes_of_entropy(secret: str, strong: bool) -> None:
    assert (secret_strength_bits(secret) >= MIN_SECRET_BITS) is strong


async def test_a_weak_secret_stops_the_dashboard_with_one_clear_reason(tmp_path) -> None:
    users = await UserStore.open(tmp_path / "users.db")
    try:
        await users.add("root", "admin", "a long enough password")
        with pytest.raises(DashboardConfigError, match="too weak"):
            await check_ready(DashboardSettings(secret="callmon-secret-2026"), users)
        await check_ready(DashboardSettings(secret=secrets.token_hex(32)), users)
    finally:
        await users.close()
