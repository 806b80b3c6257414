"""Translation settings: one typed object, read from the environment in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ingest.settings import SettingsError
from ingest.translation.languages import to_iso1

TRANSLATORS = ("apertium", "deepl", "libretranslate", "none")


@dataclass(frozen=True, slots=True)
class TranslationSettings:
    translator: str = "apertium"
    """CALLMON_TRANSLATOR: apertium (offline), deepl, libretranslate or none."""
    agent_language: str = "en"
    """CALLMON_AGENT_LANGUAGE: what agents read in the translated chat."""
    supervisor_language: str = "en"
    """CALLMON_SUPERVISOR_LANGUAGE: segments in other languages get a translation into it."""
    detect_languages: tuple[str, ...] = ("en", "es", "fr", "de", "it", "pt")
    """CALLMON_DETECT_LANGUAGES (comma list): the languages lingua chooses among."""
    pivot_languages: tuple[str, ...] = ("en", "es")
    """CALLMON_TRANSLATE_PIVOT (comma list): preferred intermediate languages."""
    timeout_s: float = 5.0
    """CALLMON_TRANSLATE_TIMEOUT_S: per request (HTTP) or per sentence (Apertium)."""
    retries: int = 2
    """CALLMON_TRANSLATE_RETRIES: extra tries of a cloud request after 429/5xx/network errors."""
    cache_size: int = 4096
    """CALLMON_TRANSLATE_CACHE_SIZE: translations kept (LRU); 0 turns the cache off."""
    apertium_path: str = "apertium"
    """CALLMON_APERTIUM_PATH: the apertium command; its tools are found next to it."""
    apertium_modes_dir: Path | None = None
    """CALLMON_APERTIUM_MODES_DIR: default <prefix>/share/apertium/modes of that command."""
    deepl_api_key: str | None = None
    """DEEPL_API_KEY."""
    deepl_url: str | None = None
    """CALLMON_DEEPL_URL: default api-free.deepl.com for ':fx' keys, else api.deepl.com."""
    libretranslate_url: str = "https://libretranslate.com"
    """CALLMON_LIBRETRANSLATE_URL: a self-hosted server, e.g. http://127.0.0.1:5000."""
    libretranslate_api_key: str | None = None
    """LIBRETRANSLATE_API_KEY."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> TranslationSettings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, env_name in _ENV_NAMES.items():
            raw = env.get(env_name)
            if raw:
                values[name] = _parse(env_name, raw, _TYPES[name])
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.translator not in TRANSLATORS:
            raise SettingsError(
                f"CALLMON_TRANSLATOR={self.translator!r} is not an engine; "
                f"choose one of {', '.join(TRANSLATORS)}"
            )
        if self.translator == "deepl" and not self.deepl_api_key:
            raise SettingsError("CALLMON_TRANSLATOR=deepl needs DEEPL_API_KEY")
        if self.timeout_s <= 0 or self.retries < 0 or self.cache_size < 0:
            raise SettingsError("CALLMON_TRANSLATE_TIMEOUT_S must be > 0, _RETRIES and _CACHE_SIZE >= 0")
        for name in ("agent_language", "supervisor_language"):
            if to_iso1(getattr(self, name)) != getattr(self, name):
                raise SettingsError(f"CALLMON_{name.upper()} must be an ISO 639-1 code like 'en'")


def _parse(env_name: str, raw: str, kind: str) -> Any:
    try:
        if kind.startswith("tuple"):
            return tuple(to_iso1(part) for part in raw.split(",") if part.strip())
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind.startswith("Path"):
            return Path(raw)
        return raw.strip()
    except ValueError:
        raise SettingsError(f"{env_name}={raw!r} is not a valid {kind}") from None


_TYPES = {f.name: str(f.type) for f in fields(TranslationSettings)}
_ENV_NAMES = {
    "translator": "CALLMON_TRANSLATOR",
    "agent_language": "CALLMON_AGENT_LANGUAGE",
    "supervisor_language": "CALLMON_SUPERVISOR_LANGUAGE",
    "detect_languages": "CALLMON_DETECT_LANGUAGES",
    "pivot_languages": "CALLMON_TRANSLATE_PIVOT",
    "timeout_s": "CALLMON_TRANSLATE_TIMEOUT_S",
    "retries": "CALLMON_TRANSLATE_RETRIES",
    "cache_size": "CALLMON_TRANSLATE_CACHE_SIZE",
    "apertium_path": "CALLMON_APERTIUM_PATH",
    "apertium_modes_dir": "CALLMON_APERTIUM_MODES_DIR",
    "deepl_api_key": "DEEPL_API_KEY",
    "deepl_url": "CALLMON_DEEPL_URL",
    "libretranslate_url": "CALLMON_LIBRETRANSLATE_URL",
    "libretranslate_api_key": "LIBRETRANSLATE_API_KEY",
}
