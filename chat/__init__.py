"""The translated chat between a caller and an agent who speak different languages.

Two ways in: Twilio voice webhooks (`<Gather>` speech, `<Say>` replies, a
non-blocking `<Pause>` + `<Redirect>` wait) and a two-way Media Stream (our
own speech-to-text in, espeak-ng replies out). Both keep their state in
`ChatStore` and mirror every line as a transcript segment of the call.
"""

from chat.languages import DEFAULT_LANGUAGES, ChatLanguage, choose_language
from chat.service import ChatService
from chat.settings import ChatSettings
from chat.store import Chat, ChatMessage, ChatStore

__all__ = [
    "DEFAULT_LANGUAGES",
    "Chat",
    "ChatLanguage",
    "ChatMessage",
    "ChatService",
    "ChatSettings",
    "ChatStore",
    "choose_language",
]
