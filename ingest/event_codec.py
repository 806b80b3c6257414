"""Bus message -> event dataclass: the one decoder every subscriber uses.

`Event.to_dict()` is the wire form (JSON over Redis, or the same bytes within
one process); `decode_event` is its inverse. Each field is checked against the
dataclass's own type hints, so a message that would build a half-valid event
(a string where a score belongs, a level missing) is refused here, once,
instead of failing later in whichever page or notifier touched the field.

Keys the class does not know are ignored: during a rolling upgrade a newer
worker may publish a field an older dashboard has not heard of yet.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Literal, Union

import orjson

from ingest.events import (
    AlertAcknowledged,
    AlertRaised,
    AudioReceived,
    CallEnded,
    CallErrorReported,
    CallStarted,
    CallSummary,
    DtmfReceived,
    Event,
    InterimTranscript,
    LegEnded,
    SentimentPoint,
    TranscriptSegment,
    UtteranceLate,
)

BUS_EVENTS: tuple[type[Event], ...] = (
    CallStarted,
    DtmfReceived,
    CallErrorReported,
    LegEnded,
    CallEnded,
    InterimTranscript,
    TranscriptSegment,
    SentimentPoint,
    CallSummary,
    AlertRaised,
    AlertAcknowledged,
)
"""Every event that travels on the bus, hence every type `decode_event` knows."""

LOCAL_EVENTS: tuple[type[Event], ...] = (AudioReceived, UtteranceLate)
"""Events that never leave the process (audio is not published; a late utterance
matters only to the worker's own alert engine)."""


class EventDecodeError(ValueError):
    """A bus message is not a well-formed event. `reason` is short and stable
    (good for counting and rate-limiting logs); the message says what was wrong."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


Converter = Callable[[Any], Any]


class _FieldError(ValueError):
    pass


def decode_event(message: Mapping[str, Any] | bytes | str) -> Event:
    """The event a bus message (its ``to_dict()``, or that as JSON) stands for.

    Raises `EventDecodeError` for anything else: invalid JSON, not an object,
    no or an unknown ``type``, missing fields, values of the wrong type.
    """
    if isinstance(message, bytes | str):
        try:
            message = orjson.loads(message)
        except orjson.JSONDecodeError as error:
            raise EventDecodeError("invalid JSON", str(error)) from None
    if not isinstance(message, Mapping):
        raise EventDecodeError("not an object", f"a {type(message).__name__}")
    kind = message.get("type")
    decoder = _DECODERS.get(kind) if isinstance(kind, str) else None
    if decoder is None:
        raise EventDecodeError("unknown event type", repr(kind))
    return decoder(message)


# ------------------------------------------------------------------ building


def _class_decoder(cls: type[Any]) -> Callable[[Mapping[str, Any]], Any]:
    """A function from a dict to an instance of the dataclass `cls`."""
    hints = typing.get_type_hints(cls)
    fields = [(f.name, _converter(hints[f.name]), _required(f)) for f in dataclasses.fields(cls)]
    name = cls.__name__

    def decode(data: Mapping[str, Any]) -> Any:
        values: dict[str, Any] = {}
        for field_name, convert, required in fields:
            if field_name not in data:
                if required:
                    raise EventDecodeError(f"malformed {name}", f"{field_name} is missing")
                continue
            try:
                values[field_name] = convert(data[field_name])
            except _FieldError as error:
                raise EventDecodeError(f"malformed {name}", f"{field_name}: {error}") from None
        return cls(**values)

    return decode


def _required(field: dataclasses.Field[Any]) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


def _converter(hint: Any) -> Converter:
    """How to check (and, for containers, rebuild) one field's JSON value."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return lambda value: value
    if hint is str:
        return _exact(str)
    if hint is bool:
        return _exact(bool)
    if hint is int:
        return _integer
    if hint is float:
        return _number
    if hint is type(None):
        return _none
    if origin is Literal:
        return _one_of(args)
    if origin in (Union, types.UnionType):
        return _any_of([_converter(arg) for arg in args])
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _sequence(_converter(args[0]))
    if origin in (Mapping, dict):
        return _mapping(_converter(args[0]), _converter(args[1]))
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        nested = _class_decoder(hint)
        return lambda value: nested(_object(value))
    raise TypeError(f"the event codec cannot decode fields of type {hint!r}")


def _exact(kind: type[Any]) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is not kind:
            raise _FieldError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return convert


def _integer(value: Any) -> int:
    if type(value) is not int:
        raise _FieldError(f"expected int, got {type(value).__name__}")
    return value


def _number(value: Any) -> float:
    # JSON writes 3.0 as 3 in some producers; an int is a fine float, a bool is not.
    if type(value) not in (int, float):
        raise _FieldError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _none(value: Any) -> None:
    if value is not None:
        raise _FieldError(f"expected null, got {type(value).__name__}")


def _one_of(choices: tuple[Any, ...]) -> Converter:
    def convert(value: Any) -> Any:
        if value not in choices:
            raise _FieldError(f"{value!r} is not one of {', '.join(map(repr, choices))}")
        return value

    return convert


def _any_of(converters: list[Converter]) -> Converter:
    def convert(value: Any) -> Any:
        problems = []
        for candidate in converters:
            try:
                return candidate(value)
            except _FieldError as error:
                problems.append(str(error))
        raise _FieldError(" / ".join(problems))

    return convert


def _sequence(item: Converter) -> Converter:
    def convert(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise _FieldError(f"expected a list, got {type(value).__name__}")
        return tuple(item(element) for element in value)

    return convert


def _mapping(key: Converter, item: Converter) -> Converter:
    def convert(value: Any) -> dict[Any, Any]:
        return {key(k): item(v) for k, v in _object(value).items()}

    return convert


def _object(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _FieldError(f"expected an object, got {type(value).__name__}")
    return value


def _local_only(name: str) -> Callable[[Mapping[str, Any]], Event]:
    def refuse(_: Mapping[str, Any]) -> Event:
        raise EventDecodeError("never travels on the bus", name)

    return refuse


_DECODERS: dict[str, Callable[[Mapping[str, Any]], Event]] = {
    **{cls.__name__: _class_decoder(cls) for cls in BUS_EVENTS},
    **{cls.__name__: _local_only(cls.__name__) for cls in LOCAL_EVENTS},
}
