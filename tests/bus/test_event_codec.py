"""`decode_event` is the inverse of `to_dict()` for every event in the catalogue."""

from __future__ import annotations

import dataclasses
import random
import sys
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, Union

import orjson
import pytest

from ingest import events
from ingest.event_codec import BUS_EVENTS, LOCAL_EVENTS, EventDecodeError, decode_event
from ingest.events import AlertRaised, AudioReceived, CallEnded, CallStarted, Event, TranscriptSegment

EXAMPLES_PER_CLASS = 200
TEXTS = ("", "x", "hello there", "ünïcödé ☎", '"quoted", {braces}', "a\nb")


def all_event_classes() -> list[type[Event]]:
    found: list[type[Event]] = []
    pending = list(Event.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        # dataclass(slots=True) replaces the class it decorates; the discarded
        # original lingers among the subclasses until collected: skip it.
        if getattr(sys.modules[cls.__module__], cls.__qualname__, None) is not cls:
            continue
        # The catalogue is ingest's; a package may keep a process-local event of its
        # own (the dashboard's FeedResynced) that never touches the bus.
        if cls.__module__.startswith("ingest."):
            found.append(cls)
    return sorted(found, key=lambda c: c.__name__)


def random_value(hint: Any, rng: random.Random) -> Any:
    """A random value of the type `hint`, with the awkward cases (empty, unicode,
    huge, negative, None) well represented."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is str:
        return rng.choice(TEXTS) + str(rng.randint(0, 10**6)) * rng.randint(0, 1)
    if hint is bytes:
        return rng.randbytes(rng.randint(0, 8))
    if hint is bool:
        return rng.random() < 0.5
    if hint is int:
        return rng.choice([0, 1, -1, 2**53, rng.randint(-1000, 1000)])
    if hint is float:
        return rng.choice([0.0, -0.0, 1.0, -1.0, 1e-9, 1.7e9 + rng.random(), rng.uniform(-1, 1)])
    if hint is type(None):
        return None
    if origin is Literal:
        return rng.choice(args)
    if origin in (Union, types.UnionType):
        return random_value(rng.choice(args), rng)
    if origin is tuple:
        return tuple(random_value(args[0], rng) for _ in range(rng.randint(0, 4)))
    if origin in (Mapping, dict):
        return {random_value(args[0], rng): random_value(args[1], rng) for _ in range(rng.randint(0, 3))}
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return random_instance(hint, rng)
    raise AssertionError(f"the test's generator does not know {hint!r}: teach it")


def random_instance(cls: type[Any], rng: random.Random) -> Any:
    hints = typing.get_type_hints(cls)
    return cls(**{f.name: random_value(hints[f.name], rng) for f in dataclasses.fields(cls)})


def over_the_wire(event: Event) -> bytes:
    return orjson.dumps(event.to_dict())


def test_every_event_class_is_either_on_the_bus_or_declared_local():
    missing = {c.__name__ for c in all_event_classes()} - {c.__name__ for c in (*BUS_EVENTS, *LOCAL_EVENTS)}
    assert not missing, f"teach ingest/event_codec.py these events: {sorted(missing)}"


@pytest.mark.parametrize("cls", all_event_classes(), ids=lambda c: c.__name__)
def test_every_bus_event_round_trips(cls: type[Event]):
    if cls in LOCAL_EVENTS:
        event = random_instance(cls, random.Random(0))
        with pytest.raises(EventDecodeError, match="never travels"):
            decode_event(over_the_wire(event))
        return
    rng = random.Random(cls.__name__)
    for _ in range(EXAMPLES_PER_CLASS):
        event = random_instance(cls, rng)
        assert decode_event(over_the_wire(event)) == event
        assert decode_event(event.to_dict()) == event  # the in-process form too


def test_events_module_classes_are_all_found():
    """The walk over subclasses must see the whole catalogue, or the test above proves little."""
    declared = {
        name
        for name, value in vars(events).items()
        if isinstance(value, type) and issubclass(value, Event) and value is not Event
    }
    assert declared <= {c.__name__ for c in all_event_classes()}


def test_numbers_written_as_integers_still_decode_as_floats():
    decoded = decode_event({"type": "CallEnded", "call_id": "c", "reason": "hangup", "ended_at": 5})
    assert decoded == CallEnded("c", "hangup", ended_at=5.0)
    assert isinstance(decoded, CallEnded) and type(decoded.ended_at) is float


def test_defaults_fill_fields_an_older_producer_left_out_and_unknown_keys_are_ignored():
    decoded = decode_event({"type": "CallStarted", "call_id": "c", "source": "twilio", "future": 1})
    assert isinstance(decoded, CallStarted) and decoded.metadata == {}


GOOD_ALERT = AlertRaised("a1", "c1", "urgent", ("r",), ("why",), "text", "caller", -0.6, None).to_dict()


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (b"{not json", "invalid JSON"),
        (b"[1, 2]", "not an object"),
        ({"call_id": "c"}, "unknown event type"),
        ({"type": "Nonsense"}, "unknown event type"),
        ({"type": 7}, "unknown event type"),
        ({"type": "CallEnded", "call_id": "c"}, "malformed CallEnded"),
        ({**GOOD_ALERT, "score": "very bad"}, "malformed AlertRaised"),
        ({**GOOD_ALERT, "speaker": "robot"}, "malformed AlertRaised"),
        ({**GOOD_ALERT, "rules": "r"}, "malformed AlertRaised"),
        ({**GOOD_ALERT, "rules": [1]}, "malformed AlertRaised"),
        ({**GOOD_ALERT, "score": True}, "malformed AlertRaised"),
        ({"type": "CallStarted", "call_id": "c", "source": "x"}, "malformed CallStarted"),
        (
            {"type": "CallStarted", "call_id": "c", "source": "twilio", "metadata": []},
            "malformed CallStarted",
        ),
        (
            {
                "type": "CallSummary",
                "call_id": "c",
                "source": "s",
                "status": "x",
                "started_at": 1,
                "segment_count": 1.5,
            },
            "malformed CallSummary",
        ),
        (AudioReceived("c", "agent", b"", 8000, 0.0).to_dict(), "never travels on the bus"),
    ],
)
def test_malformed_messages_are_refused_with_a_reason(message: Any, reason: str):
    with pytest.raises(EventDecodeError) as refused:
        decode_event(message)
    assert refused.value.reason == reason


def test_segment_fields_come_back_as_tuples():
    segment = decode_event(
        {
            "type": "TranscriptSegment",
            "call_id": "c",
            "speaker": "agent",
            "start": 0,
            "end": 1,
            "text": "t",
            "confidence": 1,
            "language": None,
            "engine": "e",
            "sentiment_score": 0,
            "sentiment_label": "neutral",
            "keywords": ["refund"],
        }
    )
    assert isinstance(segment, TranscriptSegment) and segment.keywords == ("refund",)
