"""Every route needs a login except /login, /healthz and Twilio's; each role opens only its pages."""

from __future__ import annotations

import re

import httpx
import pytest
from nicegui import core
from starlette.routing import Route

from tests.dashboard.conftest import PASSWORD, simulated_dashboard, start_call

PAGES = ["/", "/agents", "/calls/some-call", "/qa", "/agent", "/admin/users"]
PUBLIC = {"/login", "/login/complete", "/healthz", "/api/login", "/favicon.ico"}


def our_routes() -> list[tuple[str, str]]:
    """(method, path with parameters filled) of every route we registered, NiceGUI's own aside."""
    found = []
    routes = []
    for route in core.app.routes:  # FastAPI keeps an included router as one lazy route
        routes.extend(route.original_router.routes if hasattr(route, "original_router") else [route])
    for route in routes:
        if not isinstance(route, Route) or route.path.startswith("/_nicegui"):
            continue
        path = re.sub(r"\{[^}]+\}", "x", route.path)
        for method in sorted(route.methods or {"GET"}):
            if method != "HEAD":
                found.append((method, path))
    return found


@pytest.fixture
async def client(services):
    async with (
        simulated_dashboard(services),
        httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url="http://test") as http,
    ):
        yield http


async def log_in(client: httpx.AsyncClient, name: str) -> None:
    response = await client.post("/api/login", json={"name": name, "password": PASSWORD})
    assert response.status_code == 200


async def test_every_route_without_login_redirects_or_answers_401(client) -> None:
    routes = our_routes()
    assert {path for _, path in routes} >= set(PAGES) - {"/calls/some-call"} | {
        "/calls/x",
        "/api/calls/active",
        "/api/alerts/x/ack",
        "/api/calls/x/notes",
    }
    for method, path in routes:
        if path in PUBLIC:
            continue
        response = await client.request(method, path, json={"text": "x"})
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path, response.status_code)
        else:
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/login?next=")


async def test_public_routes_answer_without_login(client) -> None:
    assert (await client.get("/login")).status_code == 200
    health = await client.get("/healthz")
    assert health.status_code == 503  # the ingest probe points at a closed port
    assert health.json()["components"]["ingest"].startswith("down")
    assert health.json()["components"]["database"] == "ok"


async def test_wrong_password_gets_no_session(client) -> None:
    response = await client.post("/api/login", json={"name": "sup", "password": "wrong password"})
    assert response.status_code == 401
    assert (await client.get("/api/me")).status_code == 401


async def test_agent_cannot_open_supervisor_or_qa_pages(client) -> None:
    await log_in(client, "alice")
    for path in ["/agents", "/calls/some-call", "/qa", "/admin/users"]:
        assert (await client.get(path)).status_code == 403, path
    home = await client.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/agent"
    assert (await client.get("/agent")).status_code == 200
    assert (await client.post("/api/alerts/x/ack")).status_code == 403
    assert (await client.get("/api/calls/active")).status_code == 403
    assert (await client.post("/api/calls/x/notes", json={"text": "hi"})).status_code == 403


async def test_each_role_opens_only_its_pages(client, services) -> None:
    await start_call(services, "some-call")
    expected = {
        "sup": {
            "/": 200,
            "/agents": 200,
            "/calls/some-call": 200,
            "/qa": 200,
            "/agent": 403,
            "/admin/users": 403,
        },
        "quinn": {
            "/": 303,
            "/agents": 403,
            "/calls/some-call": 200,
            "/qa": 200,
            "/agent": 403,
            "/admin/users": 403,
        },
        "root": {
            "/": 200,
            "/agents": 200,
            "/calls/some-call": 200,
            "/qa": 200,
            "/agent": 200,
            "/admin/users": 200,
        },
    }
    for name, pages in expected.items():
        client.cookies.clear()
        await log_in(client, name)
        for path, status in pages.items():
            assert (await client.get(path)).status_code == status, (name, path)


async def test_a_removed_user_loses_their_session(client, services) -> None:
    await log_in(client, "sup")
    assert (await client.get("/api/me")).json() == {"name": "sup", "role": "supervisor"}
    await services.users.remove("sup")
    assert (await client.get("/api/me")).status_code == 401


async def test_a_forged_session_cookie_is_ignored(client) -> None:
    await log_in(client, "sup")
    cookie = client.cookies["session"]
    client.cookies.clear()
    client.cookies.set("session", cookie[:-4] + "AAAA")
    assert (await client.get("/api/me")).status_code == 401


async def test_acknowledge_and_notes_through_the_api(client, services) -> None:
    from tests.dashboard.conftest import raise_alert

    await start_call(services, "call-api")
    alert = await raise_alert(services, "call-api", "urgent")
    await log_in(client, "sup")
    response = await client.post(f"/api/alerts/{alert.id}/ack")
    assert response.status_code == 200 and response.json()["acknowledged_by"] == "sup"
    assert (await client.post(f"/api/alerts/{alert.id}/ack")).status_code == 409
    note = await client.post("/api/calls/call-api/notes", json={"text": "calm down the caller"})
    assert note.status_code == 200
    listed = (await client.get("/api/calls/call-api/notes")).json()
    assert [(n["author"], n["text"]) for n in listed] == [("sup", "calm down the caller")]
