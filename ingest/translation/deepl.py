"""DeepL over its REST API: POST /v2/translate, `Authorization: DeepL-Auth-Key`."""

from __future__ import annotations

from ingest.translation.base import TranslationFailed
from ingest.translation.http_engine import HttpTranslator
from ingest.translation.languages import to_iso1

FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
# DeepL wants a regional target for these (plain "EN"/"PT" targets are deprecated).
_TARGET_VARIANTS = {"en": "EN-US", "pt": "PT-BR"}


def default_url(api_key: str) -> str:
    """Free-plan keys end in ':fx' and only work on the free endpoint."""
    return FREE_URL if api_key.endswith(":fx") else PRO_URL


class DeeplTranslator(HttpTranslator):
    name = "deepl"

    def __init__(self, api_key: str, base_url: str | None = None, **options: object) -> None:
        super().__init__(
            base_url or default_url(api_key),
            headers={"Authorization": f"DeepL-Auth-Key {api_key}"},
            **options,  # type: ignore[arg-type]  # the same keywords HttpTranslator takes
        )

    async def _translate(self, text: str, source: str, target: str) -> tuple[str, str | None]:
        body = await self.request_json(
            "POST",
            "/v2/translate",
            json={
                "text": [text],
                "source_lang": source.upper(),
                "target_lang": _TARGET_VARIANTS.get(target, target.upper()),
            },
        )
        try:
            return body["translations"][0]["text"], None
        except (KeyError, IndexError, TypeError) as error:
            raise TranslationFailed(
                f"deepl answered without a translation: {body!r:.200}", "bad answer"
            ) from error

    async def fetch_pairs(self) -> set[tuple[str, str]]:
        sources = await self.request_json("GET", "/v2/languages", params={"type": "source"})
        targets = await self.request_json("GET", "/v2/languages", params={"type": "target"})
        source_codes = {to_iso1(item["language"]) for item in sources}
        target_codes = {to_iso1(item["language"]) for item in targets}
        return {(a, b) for a in source_codes for b in target_codes if a != b}
