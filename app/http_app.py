"""The worker's own web app: the Twilio routes, the translated chat's, listen-in, `/healthz`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from chat.service import ChatService
from chat.twilio_routes import build_chat_router
from ingest.adapters.twilio_routes import build_twilio_router
from ingest.events import CallEventSink
from ingest.pipeline.admission import CallAdmission
from ingest.settings import IngestSettings


def build_ingest_app(
    settings: IngestSettings,
    sink: CallEventSink,
    health: Callable[[], Mapping[str, Any]] | None = None,
    chat_service: ChatService | None = None,
    admission: CallAdmission | None = None,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The worker's own web app: the Twilio routes (and the translated chat's,
    given its service), `routers` (live listen-in) plus `GET /healthz` (JSON)."""
    app = FastAPI(title="callmon ingest", docs_url=None, redoc_url=None, openapi_url=None)
    admission = admission if admission is not None else CallAdmission()
    app.include_router(build_twilio_router(settings, sink, admission))
    if chat_service is not None:
        app.include_router(build_chat_router(settings, sink, chat_service, admission))
    for router in routers:
        app.include_router(router)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", **(health() if health is not None else {})})

    return app
