"""Attacks on dashboard sessions: fixation, password guessing, open redirects, CSRF."""

from __future__ import annotations

import httpx
import pytest
from nicegui import core

from dashboard.login_guard import LoginThrottle
from dashboard.pages.login import safe_next
from tests.dashboard.conftest import PASSWORD, raise_alert, services, simulated_dashboard, start_call

__all__ = ["services"]  # the dashboard's fixture: real SQLite, real in-process bus


def client_from(address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(core.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def login(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/login", json={"name": name, "password": password})


async def test_a_session_id_from_before_login_never_becomes_authenticated(services) -> None:
    async with (
        simulated_dashboard(services),
        client_from("10.0.0.1") as attacker,
        client_from("10.0.0.2") as victim,
    ):
        await attacker.get("/login")
        planted = attacker.cookies["session"]
        victim.cookies = httpx.Cookies(
            attacker.cookies
        )  # fixation: the victim logs in with the attacker's id
        assert (await login(victim, "sup")).status_code == 200
        assert victim.cookies["session"] != planted
        assert (await victim.get("/api/me")).status_code == 200
        assert (await attacker.get("/api/me")).status_code == 401


async def test_the_login_page_also_renews_the_session(services) -> None:
    async with simulated_dashboard(services) as new_user:
        user = new_user()
        await user.open("/login?next=/qa")
        before = user.http_client.cookies["session"]
        user.find("Name").type("quinn")
        user.find("Password").type(PASSWORD)
        user.find("Log in").click()

        await user.should_see("Search", retries=50)
        assert user.http_client.cookies["session"] != before
        replay = await user.http_client.get("/api/me")
        assert replay.json() == {"name": "quinn", "role": "qa"}


async def test_password_guessing_is_throttled_per_account_and_per_address(services) -> None:
    services.login_throttle = LoginThrottle(first_delay_s=600.0)  # long enough to outlast the test
    async with simulated_dashboard(services), client_from("10.0.0.7") as guesser:
        for _ in range(5):
            assert (await login(guesser, "sup", "guess")).status_code == 401
        refused = await login(guesser, "sup")  # even the right password waits now
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert (await guesser.get("/api/me")).status_code == 401
        # The address is throttled for every account...
        assert (await login(guesser, "quinn")).status_code == 429
        async with client_from("10.0.0.8") as elsewhere:
            # ...and the account from every address; other accounts elsewhere are unaffected.
            assert (await login(elsewhere, "sup")).status_code == 429
            assert (await login(elsewhere, "quinn")).status_code == 200


def test_delays_grow_and_a_success_clears_the_account() -> None:
    throttle = LoginThrottle(free_failures=2, first_delay_s=1.0, max_delay_s=8.0)
    keys = throttle.keys("Sup", "10.0.0.1")
    waits = []
    for _ in range(7):
        throttle.failed(keys, now=100.0)
        waits.append(throttle.retry_after(keys, now=100.0))
    assert waits == [0.0, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert throttle.retry_after(keys, now=108.5) == 0.0
    assert throttle.retry_after(throttle.keys("sup ", "10.9.9.9"), now=100.0) == 8.0  # names fold case
    throttle.succeeded(keys)
    assert throttle.retry_after(throttle.keys("sup", "10.9.9.9"), now=100.0) == 0.0


async def test_many_good_logins_from_one_address_are_never_throttled(services) -> None:
    """A call centre's supervisors share one NAT address: their own logins must not lock it."""
    services.login_throttle = LoginThrottle(first_delay_s=600.0)
    async with simulated_dashboard(services):
        for _ in range(12):
            async with client_from("10.0.0.9") as supervisor:
                assert (await login(supervisor, "sup")).status_code == 200
        async with client_from("10.0.0.9") as guesser:
            for _ in range(5):
                assert (await login(guesser, "quinn", "guess")).status_code == 401
            assert (await login(guesser, "sup")).status_code == 429  # misses still add up


@pytest.mark.parametrize(
    "hostile",
    ["//evil.example", "/\\evil.example", "/\\/evil.example", "https://evil.example/", "javascript:alert(1)",
     "/\tevil", "/\n/evil.example", "evil.example", "", None, "/login?next=//evil"],
)  # fmt: skip
def test_next_accepts_only_local_paths(hostile: str | None) -> None:
    assert safe_next(hostile, "/home") == "/home"


def test_next_keeps_local_paths() -> None:
    assert safe_next("/qa/calls/c1?tab=2", "/home") == "/qa/calls/c1?tab=2"


async def test_login_redirect_does_not_leave_the_site(services) -> None:
    async with simulated_dashboard(services), client_from("10.0.0.3") as client:
        assert (await login(client, "sup")).status_code == 200
        response = await client.get("/login?next=/%5Cevil.example")
        assert response.status_code == 303 and response.headers["location"] == "/"


async def test_state_changes_from_another_origin_are_refused(services) -> None:
    async with simulated_dashboard(services), client_from("10.0.0.4") as client:
        await start_call(services, "call-csrf")
        alert = await raise_alert(services, "call-csrf", "urgent")
        assert (await login(client, "sup")).status_code == 200
        for origin in ("http://evil.example", "http://test.evil.example", "null"):
            forged = await client.post(f"/api/alerts/{alert.id}/ack", headers={"Origin": origin})
            assert forged.status_code == 403, origin
            note = await client.post(
                "/api/calls/call-csrf/notes", json={"text": "forged"}, headers={"Origin": origin}
            )
            assert note.status_code == 403
        cross_login = await client.post(
            "/api/login",
            json={"name": "sup", "password": PASSWORD},
            headers={"Origin": "http://evil.example"},
        )
        assert cross_login.status_code == 403
        same = await client.post(f"/api/alerts/{alert.id}/ack", headers={"Origin": "http://test"})
        assert same.status_code == 200 and same.json()["acknowledged_by"] == "sup"
        assert await services.notes.list_for_call("call-csrf") == []
