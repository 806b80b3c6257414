"""Translation settings: one typed object (see `ingest.settings_base`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from ingest.settings_base import CallmonSettings, SettingsError
from ingest.translation.languages import to_iso1

TRANSLATORS = ("apertium", "deepl", "libretranslate", "none")


class TranslationSettings(CallmonSettings):
    config_table = "translation"

    translator: str = "apertium"
    """Engine: apertium (offline), deepl, libretranslate or none."""
    agent_language: str = "en"
    """What agents read in the translated chat (ISO 639-1)."""
    supervisor_language: str = "en"
    """Segments in other languages get a translation into it (ISO 639-1)."""
    detect_languages: tuple[str, ...] = ("en", "es", "fr", "de", "it", "pt")
    """The languages lingua chooses among (comma list)."""
    pivot_languages: tuple[str, ...] = Field(("en", "es"), validation_alias="CALLMON_TRANSLATE_PIVOT")
    """Preferred intermediate languages when there is no direct pair (comma list)."""
    timeout_s: float = Field(5.0, gt=0, validation_alias="CALLMON_TRANSLATE_TIMEOUT_S")
    """Per request (HTTP) or per sentence (Apertium)."""
    retries: int = Field(2, ge=0, validation_alias="CALLMON_TRANSLATE_RETRIES")
    """Extra tries of a cloud request after 429/5xx/network errors."""
    cache_size: int = Field(4096, ge=0, validation_alias="CALLMON_TRANSLATE_CACHE_SIZE")
    """Translations kept (LRU); 0 turns the cache off."""
    apertium_path: str = "apertium"
    """The apertium command; its tools are found next to it."""
    apertium_modes_dir: Path | None = None
    """Apertium modes folder; default `<prefix>/share/apertium/modes` of that command."""
    deepl_api_key: str | None = Field(None, validation_alias="DEEPL_API_KEY")
    """DeepL API key (needed for `translator = deepl`)."""
    deepl_url: str | None = None
    """DeepL base URL; default api-free.deepl.com for ':fx' keys, else api.deepl.com."""
    libretranslate_url: str = "https://libretranslate.com"
    """LibreTranslate server, e.g. a self-hosted http://127.0.0.1:5000."""
    libretranslate_api_key: str | None = Field(None, validation_alias="LIBRETRANSLATE_API_KEY")
    """LibreTranslate API key, if the server wants one."""

    @field_validator("detect_languages", "pivot_languages", mode="before")
    @classmethod
    def _language_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            return tuple(to_iso1(str(part)) for part in value if str(part).strip())
        return value

    @field_validator("translator", "apertium_path", "libretranslate_url", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> TranslationSettings:
        if self.translator not in TRANSLATORS:
            raise SettingsError(
                f"CALLMON_TRANSLATOR={self.translator!r} is not an engine; "
                f"choose one of {', '.join(TRANSLATORS)}"
            )
        if self.translator == "deepl" and not self.deepl_api_key:
            raise SettingsError("CALLMON_TRANSLATOR=deepl needs DEEPL_API_KEY")
        for name in ("agent_language", "supervisor_language"):
            if to_iso1(getattr(self, name)) != getattr(self, name):
                raise SettingsError(f"CALLMON_{name.upper()} must be an ISO 639-1 code like 'en'")
        return self
