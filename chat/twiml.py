"""TwiML for the translated chat, built with twilio's classes (pure: URLs in, XML out).

Waiting for the agent never holds a webhook open: the answer is a hold message,
a `<Pause>` and a `<Redirect>` back to the poll URL, whose query carries the
deadline (Twilio signs the whole URL, query included).
"""

from __future__ import annotations

from twilio.twiml.voice_response import Connect, Gather, Parameter, Stream, VoiceResponse

from chat.languages import ChatLanguage

SPEECH_TIMEOUT = "auto"
GATHER_TIMEOUT_S = 6
MENU_INTRO = "Welcome. Bienvenido."
NO_CHOICE = "Sorry, I did not understand. Lo siento, no le he entendido."


def language_menu(languages: tuple[ChatLanguage, ...], action_url: str, retry_url: str) -> str:
    """Press 1..N or say the language's name; no answer comes back to `retry_url`."""
    response = VoiceResponse()
    response.say(MENU_INTRO)
    gather = Gather(
        input="dtmf speech",
        num_digits=1,
        action=action_url,
        method="POST",
        timeout=GATHER_TIMEOUT_S,
        speech_timeout=SPEECH_TIMEOUT,
        hints=", ".join(name for language in languages for name in language.names),
    )
    for digit, language in enumerate(languages, start=1):
        gather.say(language.prompt.format(digit=digit), language=language.twilio_code)
    response.append(gather)
    response.redirect(retry_url, method="POST")
    return str(response.to_xml())


def no_choice(retry_url: str) -> str:
    response = VoiceResponse()
    response.say(NO_CHOICE)
    response.redirect(retry_url, method="POST")
    return str(response.to_xml())


def listen(
    language: ChatLanguage,
    said_url: str,
    silence_url: str,
    *,
    lines: tuple[str, ...] = (),
    prompt: bool = False,
) -> str:
    """Say `lines` (agent replies, in the caller's language), then gather the caller's next utterance.

    When the caller says nothing Twilio falls through to the redirect, which
    looks for a reply and comes back here."""
    response = VoiceResponse()
    for line in lines:
        response.say(line, language=language.twilio_code)
    gather = Gather(
        input="speech",
        language=language.twilio_code,
        action=said_url,
        method="POST",
        timeout=GATHER_TIMEOUT_S,
        speech_timeout=SPEECH_TIMEOUT,
    )
    if prompt:
        gather.say(language.listening, language=language.twilio_code)
    response.append(gather)
    response.redirect(silence_url, method="POST")
    return str(response.to_xml())


def hold(language: ChatLanguage, poll_url: str, pause_s: int, *, announce: bool) -> str:
    """Wait for the agent without blocking: (hold message), pause, come back to `poll_url`."""
    response = VoiceResponse()
    if announce:
        response.say(language.hold, language=language.twilio_code)
    response.pause(length=pause_s)
    response.redirect(poll_url, method="POST")
    return str(response.to_xml())


def goodbye(text: str = "Goodbye.") -> str:
    response = VoiceResponse()
    response.say(text)
    response.hangup()
    return str(response.to_xml())


def connect_stream(stream_url: str, parameters: dict[str, str]) -> str:
    """`<Connect><Stream>`: a two-way Media Stream; values travel as `<Parameter>`s."""
    stream = Stream(url=stream_url)
    for name, value in parameters.items():
        stream.append(Parameter(name=name, value=value))
    connect = Connect()
    connect.append(stream)
    response = VoiceResponse()
    response.append(connect)
    return str(response.to_xml())
