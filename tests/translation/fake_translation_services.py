"""Local servers speaking DeepL's and LibreTranslate's wire protocols.

They translate from a small fixed phrase book, check credentials the way the
real services do, and can be told to fail (`fail_with` status codes, served
one per request before normal answers) or to stall (`delay_s`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

PHRASES: dict[tuple[str, str], dict[str, str]] = {
    ("es", "en"): {
        "quiero cancelar mi cuenta": "I want to cancel my account",
        "quiero hablar con un supervisor": "I want to speak with a supervisor",
    },
    ("en", "es"): {
        "i want to cancel my account": "quiero cancelar mi cuenta",
        "one moment please": "un momento por favor",
    },
    ("de", "en"): {"ich möchte mein konto kündigen": "I want to cancel my account"},
}
LANGUAGES = ("en", "es", "de")


def phrase(text: str, source: str, target: str) -> str | None:
    return PHRASES.get((source, target), {}).get(text.strip().lower())


@dataclass
class FakeService:
    api_key: str = "test-key"
    fail_with: list[int] = field(default_factory=list)
    delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> FakeService:
        app = web.Application()
        self.routes(app)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def scripted_trouble(self) -> web.Response | None:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail_with:
            status = self.fail_with.pop(0)
            headers = {"Retry-After": "0"} if status == 429 else {}
            return web.json_response({"message": f"scripted {status}"}, status=status, headers=headers)
        return None


class FakeDeepl(FakeService):
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v2/translate", self.translate)
        app.router.add_get("/v2/languages", self.languages)

    def authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"DeepL-Auth-Key {self.api_key}"

    async def translate(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append({"headers": dict(request.headers), "body": body})
        if not self.authorised(request):
            return web.json_response({"message": "Wrong endpoint or key"}, status=403)
        trouble = await self.scripted_trouble()
        if trouble is not None:
            return trouble
        source = body["source_lang"].lower()
        target = body["target_lang"].split("-")[0].lower()
        if body["target_lang"] == "EN":
            return web.json_response({"message": "Value for 'target_lang' not supported."}, status=400)
        translations = [
            {
                "detected_source_language": body["source_lang"],
                "text": phrase(text, source, target) or text.upper(),
            }
            for text in body["text"]
        ]
        return web.json_response({"translations": translations})

    async def languages(self, request: web.Request) -> web.Response:
        if not self.authorised(request):
            return web.json_response({"message": "Forbidden"}, status=403)
        kind = request.query.get("type", "source")
        codes = [c.upper() for c in LANGUAGES]
        if kind == "target":
            codes = ["EN-US", "EN-GB", "ES", "DE"]
        return web.json_response([{"language": code, "name": code} for code in codes])


class FakeLibreTranslate(FakeService):
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/translate", self.translate)
        app.router.add_get("/languages", self.languages)

    async def translate(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append({"headers": dict(request.headers), "body": body})
        if body.get("api_key") != self.api_key:
            return web.json_response({"error": "Invalid API key"}, status=403)
        trouble = await self.scripted_trouble()
        if trouble is not None:
            return trouble
        source, target = body["source"], body["target"]
        if source not in LANGUAGES or target not in LANGUAGES:
            missing = source if source not in LANGUAGES else target
            return web.json_response({"error": f"{missing} is not supported"}, status=400)
        return web.json_response({"translatedText": phrase(body["q"], source, target) or body["q"].upper()})

    async def languages(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {"code": code, "name": code, "targets": [t for t in LANGUAGES if t != code]}
                for code in LANGUAGES
            ]
        )
