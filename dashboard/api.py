"""JSON routes: /healthz (public), /api/login (public), and the logged-in API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, HTTPException, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from dashboard.auth import (
    LoginThrottled,
    authenticate_throttled,
    renew_session,
    require_role,
    sign_in,
    sign_out,
)
from dashboard.notes import MAX_NOTE_LENGTH
from dashboard.roles import CALL_PAGES, SUPERVISOR_PAGES
from dashboard.services import DashboardServices


def build_api_router(services: DashboardServices) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz")
    async def healthz() -> JSONResponse:
        snapshot = services.health.snapshot()
        snapshot["active_calls"] = len(services.feed.calls)
        return JSONResponse(snapshot, status_code=200 if services.health.ok else 503)

    @router.post("/api/login")
    async def api_login(request: Request, name: str = Body(...), password: str = Body(...)) -> Response:
        address = request.client.host if request.client else None
        try:
            user = await authenticate_throttled(
                services.users, services.login_throttle, name, password, address
            )
        except LoginThrottled as throttled:
            return JSONResponse(
                {"detail": str(throttled)},
                status_code=429,
                headers={"Retry-After": str(int(throttled.retry_after) + 1)},
            )
        if user is None:
            raise HTTPException(status_code=401, detail="wrong name or password")
        await renew_session(request)
        sign_in(user)
        return JSONResponse({"name": user.name, "role": user.role})

    @router.get("/logout")
    async def logout() -> Response:
        sign_out()
        return RedirectResponse("/login", status_code=303)

    @router.get("/api/me")
    async def me(request: Request) -> dict[str, str]:
        user = require_role(request, frozenset({"supervisor", "qa", "agent", "admin"}))
        return {"name": user.name, "role": user.role}

    @router.get("/api/calls/active")
    async def active_calls(request: Request) -> list[dict[str, Any]]:
        require_role(request, SUPERVISOR_PAGES)
        return [
            {
                **call.summary.to_dict(),
                "rolling_sentiment": call.rolling,
                "last_text": call.last_text,
                "open_alerts": {alert_id: a.level for alert_id, a in call.open_alerts.items()},
            }
            for call in services.feed.ranked_calls()
        ]

    @router.post("/api/alerts/{alert_id}/ack")
    async def acknowledge(alert_id: str, request: Request) -> dict[str, Any]:
        user = require_role(request, SUPERVISOR_PAGES)
        event = await services.alerts.acknowledge(alert_id, user.name)
        if event is None:
            raise HTTPException(status_code=409, detail="no such alert, or already acknowledged")
        return event.to_dict()

    @router.get("/api/calls/{call_id}/notes")
    async def list_notes(call_id: str, request: Request) -> list[dict[str, Any]]:
        require_role(request, CALL_PAGES)
        return [_note(note) for note in await services.notes.list_for_call(call_id)]

    @router.post("/api/calls/{call_id}/notes")
    async def add_note(
        call_id: str, request: Request, text: str = Body(..., embed=True, max_length=MAX_NOTE_LENGTH)
    ) -> dict[str, Any]:
        user = require_role(request, SUPERVISOR_PAGES)
        try:
            return _note(await services.notes.add(call_id, user.name, text))
        except ValueError as error:
            raise HTTPException(status_code=422, detail=str(error)) from None

    return router


def _note(note: Any) -> dict[str, Any]:
    return {
        "id": note.id,
        "call_id": note.call_id,
        "author": note.author,
        "text": note.text,
        "created_at": note.created_at,
    }
