"""Chat settings: one typed object (see `ingest.settings_base`)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from chat.languages import DEFAULT_LANGUAGES, ChatLanguage
from ingest.settings_base import CallmonSettings, SettingsError


class ChatSettings(CallmonSettings):
    config_table = "chat"

    languages: tuple[ChatLanguage, ...] = Field(DEFAULT_LANGUAGES, validation_alias="CALLMON_CHAT_LANGUAGES")
    """What callers may pick (comma list of codes, menu order; 1 to 9 of them)."""
    agent_language: str = "en"
    """What agents read and type (ISO 639-1)."""
    reply_wait_s: float = Field(30.0, gt=0, validation_alias="CALLMON_CHAT_REPLY_WAIT_S")
    """How long a caller holds for a reply before an apology."""
    poll_pause_s: int = Field(2, ge=1, validation_alias="CALLMON_CHAT_POLL_PAUSE_S")
    """`<Pause length>` between two looks for a reply."""
    espeak_path: str = "espeak-ng"
    """The synthesiser for Media Streams replies."""
    idle_s: float = Field(300.0, gt=0, validation_alias="CALLMON_CHAT_IDLE_S")
    """A chat without a webhook or stream from Twilio for this long is ended
    ("no-status-callback"): its status callback is never coming (or it never was Twilio)."""

    @field_validator("languages", mode="before")
    @classmethod
    def _menu(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list | tuple):
            return value
        known = {language.code: language for language in DEFAULT_LANGUAGES}
        codes = [item.strip().lower() if isinstance(item, str) else item for item in value]
        codes = [code for code in codes if code != ""]
        unknown = [code for code in codes if isinstance(code, str) and code not in known]
        if unknown:
            raise SettingsError(
                f"CALLMON_CHAT_LANGUAGES: no menu entry for {', '.join(unknown)}; known: {', '.join(known)}"
            )
        if not 1 <= len(codes) <= 9:
            raise SettingsError("CALLMON_CHAT_LANGUAGES: a key-press menu offers 1 to 9 languages")
        return tuple(known[code] if isinstance(code, str) else code for code in codes)

    @model_validator(mode="after")
    def _idle_after_reply_wait(self) -> ChatSettings:
        if self.idle_s <= self.reply_wait_s:
            raise SettingsError("CALLMON_CHAT_IDLE_S must be longer than CALLMON_CHAT_REPLY_WAIT_S")
        return self
