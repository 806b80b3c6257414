"""The leg convention: which call and speaker a connection's UUID names."""

from __future__ import annotations

import uuid
from uuid import UUID

import pytest

from ingest.adapters.audiosocket_legs import leg_of, leg_uuid


def dialplan_leg(call: str, letter: str) -> str:
    """What `Set(LEG=${CALL:0:14}<letter>${CALL:15})` produces in Asterisk."""
    return call[0:14] + letter + call[15:]


def test_a_v4_uuid_is_a_mixed_stream() -> None:
    call = uuid.uuid4()
    assert leg_of(call) == (str(call), "unknown")
    assert leg_uuid(call, "unknown") == call


@pytest.mark.parametrize(("letter", "speaker"), [("a", "agent"), ("c", "caller")])
def test_split_legs_map_back_to_the_call(letter: str, speaker: str) -> None:
    call = UUID("3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b")
    leg = leg_uuid(call, speaker)  # type: ignore[arg-type]
    assert str(leg) == dialplan_leg(str(call), letter)
    assert str(leg) == f"3f2b8c1e-9a4d-{letter}e6f-8b2a-1c3d5e7f9a0b"
    assert leg_of(leg) == (str(call), speaker)
    assert leg_of(UUID(dialplan_leg(str(call).upper(), letter.upper()))) == (str(call), speaker)


def test_agent_and_caller_legs_differ_from_each_other_and_from_the_call() -> None:
    for _ in range(100):
        call = uuid.uuid4()
        legs = {call, leg_uuid(call, "agent"), leg_uuid(call, "caller")}
        assert len(legs) == 3
        assert {leg_of(leg)[0] for leg in legs} == {str(call)}


@pytest.mark.parametrize("maker", [uuid.uuid1, lambda: uuid.uuid5(uuid.NAMESPACE_DNS, "x")])
def test_other_uuid_versions_are_mixed_streams(maker) -> None:  # type: ignore[no-untyped-def]
    other = maker()
    assert leg_of(other) == (str(other), "unknown")


def test_legs_need_a_v4_call_uuid() -> None:
    with pytest.raises(ValueError):
        leg_uuid(uuid.uuid1(), "agent")
    with pytest.raises(ValueError):
        leg_uuid(leg_uuid(uuid.uuid4(), "caller"), "unknown")
