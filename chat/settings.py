"""Chat settings: one typed object, read from the environment in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chat.languages import DEFAULT_LANGUAGES, ChatLanguage
from ingest.settings import SettingsError


@dataclass(frozen=True, slots=True)
class ChatSettings:
    languages: tuple[ChatLanguage, ...] = DEFAULT_LANGUAGES
    """CALLMON_CHAT_LANGUAGES (comma list of codes, menu order): what callers may pick."""
    agent_language: str = "en"
    """CALLMON_AGENT_LANGUAGE: what agents read and type."""
    reply_wait_s: float = 30.0
    """CALLMON_CHAT_REPLY_WAIT_S: how long a caller holds for a reply before an apology."""
    poll_pause_s: int = 2
    """CALLMON_CHAT_POLL_PAUSE_S: `<Pause length>` between two looks for a reply."""
    espeak_path: str = "espeak-ng"
    """CALLMON_ESPEAK_PATH: the synthesiser for Media Streams replies."""
    idle_s: float = 300.0
    """CALLMON_CHAT_IDLE_S: a chat without a webhook or stream from Twilio for this long is
    ended ("no-status-callback"): its status callback is never coming (or it never was Twilio)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> ChatSettings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        if env.get("CALLMON_CHAT_LANGUAGES"):
            codes = [c.strip().lower() for c in env["CALLMON_CHAT_LANGUAGES"].split(",") if c.strip()]
            known = {language.code: language for language in DEFAULT_LANGUAGES}
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise SettingsError(
                    f"CALLMON_CHAT_LANGUAGES: no menu entry for {', '.join(unknown)};"
                    f" known: {', '.join(known)}"
                )
            values["languages"] = tuple(known[c] for c in codes)
        for name, env_name, kind in (
            ("agent_language", "CALLMON_AGENT_LANGUAGE", str),
            ("reply_wait_s", "CALLMON_CHAT_REPLY_WAIT_S", float),
            ("poll_pause_s", "CALLMON_CHAT_POLL_PAUSE_S", int),
            ("espeak_path", "CALLMON_ESPEAK_PATH", str),
            ("idle_s", "CALLMON_CHAT_IDLE_S", float),
        ):
            if env.get(env_name):
                try:
                    values[name] = kind(env[env_name])
                except ValueError:
                    raise SettingsError(f"{env_name}={env[env_name]!r} is not a {kind.__name__}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        if not 1 <= len(settings.languages) <= 9:
            raise SettingsError("CALLMON_CHAT_LANGUAGES: a key-press menu offers 1 to 9 languages")
        if settings.idle_s <= settings.reply_wait_s:
            raise SettingsError("CALLMON_CHAT_IDLE_S must be longer than CALLMON_CHAT_REPLY_WAIT_S")
        if settings.reply_wait_s <= 0 or settings.poll_pause_s < 1:
            raise SettingsError("CALLMON_CHAT_REPLY_WAIT_S must be > 0 and _POLL_PAUSE_S >= 1")
        return settings
