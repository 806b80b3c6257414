"""Which language a call is in, and what to ask the speech-to-text engine for.

In order: the call's metadata (`language`: Twilio `customParameters`, the
voice webhook, the chat's language menu), then the call's ViciDial in-group
through `CALLMON_INGROUP_LANGUAGES` ("spanish_line:es,support_fr:fr"). When
neither says, an engine that can detect the language (Whisper, an
OpenAI-compatible Whisper server) detects it per utterance; any other is
asked for `CALLMON_DEFAULT_LANGUAGE` (en).

AudioSocket carries only the call's UUID, so an Asterisk call's language
reaches callmon as the in-group of its metadata or through the default; the
dialplan cannot send a variable over the socket itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

DETECTING_ENGINES = frozenset({"whisper", "openai"})
"""Engines that identify the language themselves when not told."""
IN_GROUP_KEYS = ("in_group", "ingroup", "vicidial_in_group")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


class LanguageMapError(ValueError):
    """CALLMON_INGROUP_LANGUAGES is not `ingroup:lang,...`; the message says where."""


def parse_language_map(text: str) -> dict[str, str]:
    """``"spanish_line:es, support_fr:fr"`` -> {"spanish_line": "es", "support_fr": "fr"}."""
    mapping: dict[str, str] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, language = item.rpartition(":")
        name, language = name.strip(), language.strip()
        if not sep or not name or not _LANGUAGE.match(language):
            raise LanguageMapError(
                f"CALLMON_INGROUP_LANGUAGES: {item!r} is not in-group:language (e.g. spanish_line:es)"
            )
        mapping[name] = normalise_language(language)
    return mapping


def normalise_language(language: str) -> str:
    """ "ES" -> "es", "en_GB" -> "en-gb": one spelling for storage and comparison."""
    return language.strip().replace("_", "-").lower()


def call_language(metadata: Mapping[str, str], in_group_languages: Mapping[str, str]) -> str | None:
    """The call's language as its metadata or in-group says; None when nothing says.

    A malformed `language` value (bad wire input) is ignored, not trusted.
    """
    stated = metadata.get("language", "")
    if isinstance(stated, str) and _LANGUAGE.match(stated.strip()):
        return normalise_language(stated)
    for key in IN_GROUP_KEYS:
        in_group = metadata.get(key)
        if in_group and in_group in in_group_languages:
            return in_group_languages[in_group]
    return None


def language_to_ask(known: str | None, engine_name: str, default: str) -> str | None:
    """What the engine is asked for: the call's language, else detection where
    the engine can, else the configured default."""
    if known:
        return known
    return None if engine_name in DETECTING_ENGINES else normalise_language(default)
