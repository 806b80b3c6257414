"""The Twilio voice webhook's answer: fork the call's audio to us, then connect it.

`<Start><Stream track="both_tracks">` streams both directions to our Media
Streams endpoint while the call goes on; `<Dial>` then rings the agents'
number. Stream URLs cannot carry a query string, so what we know about the
call travels as `<Parameter>`s and comes back in `start.customParameters`.
"""

from __future__ import annotations

from collections.abc import Mapping

from twilio.twiml.voice_response import Parameter, Start, Stream, VoiceResponse

from ingest.adapters.stream_tokens import TOKEN_PARAMETER

# Webhook form field -> customParameters name (and so CallStarted.metadata key).
STREAM_PARAMETERS: dict[str, str] = {
    "From": "caller_number",
    "To": "called_number",
    "CallSid": "call_sid",
}
NOT_CONFIGURED_MESSAGE = "This line is being monitored, but no agent number is configured. Goodbye."


def build_voice_twiml(
    stream_url: str, form: Mapping[str, str], dial_number: str | None, stream_token: str | None = None
) -> str:
    """TwiML that streams both tracks to `stream_url` and dials `dial_number`;
    `stream_token` (when signatures are checked) binds the stream to this call."""
    stream = Stream(url=stream_url, track="both_tracks")
    for field, name in STREAM_PARAMETERS.items():
        value = form.get(field)
        if value:
            stream.append(Parameter(name=name, value=value))
    if stream_token is not None:
        stream.append(Parameter(name=TOKEN_PARAMETER, value=stream_token))
    start = Start()
    start.append(stream)
    response = VoiceResponse()
    response.append(start)
    if dial_number:
        response.dial(dial_number)
    else:
        response.say(NOT_CONFIGURED_MESSAGE)
        response.hangup()
    return str(response.to_xml())


def hang_up_twiml() -> str:
    """TwiML that ends the call: the answer to a webhook callmon will not serve."""
    response = VoiceResponse()
    response.hangup()
    return str(response.to_xml())
