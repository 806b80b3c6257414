"""LibreTranslate (self-hosted or libretranslate.com): POST /translate."""

from __future__ import annotations

from ingest.translation.base import PairUnavailable, TranslationFailed
from ingest.translation.http_engine import HttpTranslator
from ingest.translation.languages import to_iso1


class LibreTranslateTranslator(HttpTranslator):
    name = "libretranslate"

    def __init__(self, base_url: str, api_key: str | None = None, **options: object) -> None:
        super().__init__(base_url, **options)  # type: ignore[arg-type]  # HttpTranslator's own keywords
        self.api_key = api_key

    async def _translate(self, text: str, source: str, target: str) -> tuple[str, str | None]:
        request: dict[str, str] = {"q": text, "source": source, "target": target, "format": "text"}
        if self.api_key:
            request["api_key"] = self.api_key
        try:
            body = await self.request_json("POST", "/translate", json=request)
        except TranslationFailed as error:
            # LibreTranslate answers 400 "... is not supported" for a missing pair.
            if error.kind == "http 400" and "not supported" in str(error):
                raise PairUnavailable(str(error)) from error
            raise
        translated = body.get("translatedText") if isinstance(body, dict) else None
        if not isinstance(translated, str):
            raise TranslationFailed(
                f"libretranslate answered without translatedText: {body!r:.200}", "bad answer"
            )
        return translated, None

    async def fetch_pairs(self) -> set[tuple[str, str]]:
        languages = await self.request_json("GET", "/languages")
        return {
            (to_iso1(item["code"]), to_iso1(target))
            for item in languages
            for target in item.get("targets", ())
            if to_iso1(item["code"]) != to_iso1(target)
        }
