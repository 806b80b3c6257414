"""The languages a caller can pick, and picking one from a key press or a spoken name (pure)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChatLanguage:
    code: str
    """ISO 639-1, what the translator speaks."""
    twilio_code: str
    """Twilio's `<Say language>` / `<Gather language>` code."""
    espeak_voice: str
    """espeak-ng's voice for Media Streams replies."""
    names: tuple[str, ...]
    """How callers say it: the language's own name first (spoken in the menu), then others."""
    prompt: str
    """The menu line, in the language itself ("Para español, pulse 2")."""
    hold: str
    """Said while the caller waits for the agent."""
    sorry: str
    """Said when the agent has not answered before the deadline."""
    listening: str
    """Said before the caller speaks."""


DEFAULT_LANGUAGES: tuple[ChatLanguage, ...] = (
    ChatLanguage(
        "en",
        "en-US",
        "en-us",
        ("english", "inglés", "ingles"),
        "For English, press {digit}.",
        "Please hold while the agent answers.",
        "Sorry, the agent has not answered yet. Please go on.",
        "Please speak after the tone.",
    ),
    ChatLanguage(
        "es",
        "es-ES",
        "es",
        ("español", "espanol", "spanish", "castellano"),
        "Para español, pulse {digit}.",
        "Espere un momento, por favor.",
        "Lo sentimos, el agente todavía no ha respondido. Continúe, por favor.",
        "Hable después del tono, por favor.",
    ),
    ChatLanguage(
        "fr",
        "fr-FR",
        "fr",
        ("français", "francais", "french"),
        "Pour le français, appuyez sur {digit}.",
        "Veuillez patienter, s'il vous plaît.",
        "Désolé, l'agent n'a pas encore répondu. Continuez, s'il vous plaît.",
        "Parlez après le bip, s'il vous plaît.",
    ),
    ChatLanguage(
        "de",
        "de-DE",
        "de",
        ("deutsch", "german", "alemán", "aleman"),
        "Für Deutsch drücken Sie die {digit}.",
        "Bitte warten Sie einen Moment.",
        "Entschuldigung, der Mitarbeiter hat noch nicht geantwortet. Bitte sprechen Sie weiter.",
        "Bitte sprechen Sie nach dem Ton.",
    ),
    ChatLanguage(
        "it",
        "it-IT",
        "it",
        ("italiano", "italian"),
        "Per l'italiano, premere {digit}.",
        "Attenda un momento, per favore.",
        "Ci scusi, l'operatore non ha ancora risposto. Continui, per favore.",
        "Parli dopo il segnale, per favore.",
    ),
    ChatLanguage(
        "pt",
        "pt-BR",
        "pt-br",
        ("português", "portugues", "portuguese"),
        "Para português, pressione {digit}.",
        "Aguarde um momento, por favor.",
        "Desculpe, o atendente ainda não respondeu. Continue, por favor.",
        "Fale depois do sinal, por favor.",
    ),
)


def choose_language(
    digits: str | None, speech: str | None, languages: tuple[ChatLanguage, ...]
) -> ChatLanguage | None:
    """The language for key `digits` (1..N) or a `speech` result naming one; None if neither fits."""
    if digits and digits.strip().isdigit():
        index = int(digits.strip()) - 1
        if 0 <= index < len(languages):
            return languages[index]
    if speech:
        words = _fold(speech).replace(".", " ").replace(",", " ").split()
        for language in languages:
            if any(_fold(name) in words for name in language.names):
                return language
    return None


def find_language(code: str, languages: tuple[ChatLanguage, ...]) -> ChatLanguage | None:
    return next((language for language in languages if language.code == code), None)


def _fold(text: str) -> str:
    """Lower case without accents: speech results spell "español" either way."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
