"""The translator interface: one per engine family, engines side by side.

`translate()` never raises for a pair the engine cannot do or a call that
failed: it answers a `Translation` with `translated=False` and a reason, so
the pipeline stores and shows the original text instead of losing the segment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ingest.translation.languages import to_iso1

log = logging.getLogger(__name__)

NOT_TRANSLATED = "[not translated]"
"""Shown in front of the original text where a translation was wanted but none came."""


@dataclass(frozen=True, slots=True)
class Translation:
    """One text in `target`, or the original text with `translated=False` and why."""

    text: str
    source: str
    target: str
    engine: str
    translated: bool
    reason: str | None = None
    """Why there is no translation (unavailable pair, engine failure, same language)."""
    via: str | None = None
    """The intermediate language when the engine pivoted (eng -> spa -> ita)."""

    @property
    def marked_text(self) -> str:
        """The translation, or the original text behind the "not translated" marker."""
        return self.text if self.translated else f"{NOT_TRANSLATED} {self.text}"


class TranslationFailed(RuntimeError):
    """An engine could not translate this text (timeout, HTTP error, dead process).

    `kind` groups failures for logging ("timeout", "http 403", ...)."""

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.kind = kind


class PairUnavailable(TranslationFailed):
    """The engine has no way from `source` to `target`, not even through a pivot."""

    def __init__(self, message: str) -> None:
        super().__init__(message, kind="unavailable pair")


@runtime_checkable
class Translator(Protocol):
    name: str

    async def translate(self, text: str, source: str, target: str) -> Translation:
        """Translate `text` (ISO 639-1 codes); never raises for unavailable pairs or failures."""
        ...

    async def pairs(self) -> set[tuple[str, str]]:
        """Every (source, target) the engine can translate now, in ISO 639-1."""
        ...

    async def close(self) -> None: ...


class EngineTranslator:
    """Shared front of every engine: code normalisation, the marker, log-once.

    Engines implement `_translate()` (raise `TranslationFailed` or
    `PairUnavailable`) and `pairs()`.
    """

    name = "engine"

    def __init__(self) -> None:
        self._logged: set[tuple[str, str, str]] = set()

    async def translate(self, text: str, source: str, target: str) -> Translation:
        source, target = to_iso1(source), to_iso1(target)
        if source == target:
            return self._untranslated(text, source, target, "already in the target language")
        if not text.strip():
            return self._untranslated(text, source, target, "nothing to translate")
        try:
            translated, via = await self._translate(text, source, target)
        except TranslationFailed as error:
            self._log_once(source, target, error.kind, str(error))
            return self._untranslated(text, source, target, str(error))
        except Exception as error:  # an engine bug must not cost the segment
            self._log_once(source, target, type(error).__name__, repr(error), exc=error)
            return self._untranslated(text, source, target, f"{self.name} failed: {error!r}")
        return Translation(translated, source, target, self.name, translated=True, via=via)

    async def _translate(self, text: str, source: str, target: str) -> tuple[str, str | None]:
        """Return (translation, pivot language or None)."""
        raise NotImplementedError

    async def pairs(self) -> set[tuple[str, str]]:
        raise NotImplementedError

    async def close(self) -> None:
        return None

    def _untranslated(self, text: str, source: str, target: str, reason: str) -> Translation:
        return Translation(text, source, target, self.name, translated=False, reason=reason)

    def _log_once(
        self, source: str, target: str, kind: str, message: str, exc: BaseException | None = None
    ) -> None:
        # A failing engine fails for every segment; one line per pair and kind is enough.
        key = (source, target, kind)
        if key in self._logged:
            return
        self._logged.add(key)
        log.warning(
            "%s: no translation %s->%s (%s): %s; marking such segments not translated",
            self.name,
            source,
            target,
            kind,
            message,
            exc_info=exc,
        )


class NoTranslator(EngineTranslator):
    """CALLMON_TRANSLATOR=none: everything is marked not translated."""

    name = "none"

    async def translate(self, text: str, source: str, target: str) -> Translation:
        # Chosen on purpose, so no warning: just the marker.
        return self._untranslated(
            text, to_iso1(source), to_iso1(target), "translation is turned off (CALLMON_TRANSLATOR=none)"
        )

    async def pairs(self) -> set[tuple[str, str]]:
        return set()
