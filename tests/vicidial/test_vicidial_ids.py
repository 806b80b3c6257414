"""Pure parts of the enrichment: uniqueids, call-id mapping, settings, cache, field mapping."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import pytest

from ingest.adapters.audiosocket_legs import leg_of, leg_uuid
from vicidial import CallInfo, ViciDialSettings, ViciDialSettingsError
from vicidial.cache import TtlCache
from vicidial.uniqueid import (
    AUDIOSOCKET_DIALPLAN,
    decode_call_uuid,
    encode_call_uuid,
    parse_uniqueid,
    resolve_uniqueid,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1716912345.4821", "1716912345.4821"),
        (" 1716912345.0 ", "1716912345.0"),
        ("999999999.12", "999999999.12"),
        ("1716912345", None),
        ("1716912345.48a1", None),
        ("CA0123456789abcdef0123456789abcdef", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_uniqueid_accepts_only_epoch_dot_sequence(raw: str | None, expected: str | None) -> None:
    assert parse_uniqueid(raw) == expected


def test_call_uuid_round_trips_the_uniqueid_and_is_a_valid_uuid() -> None:
    call_id = encode_call_uuid("1716912345.4821")
    assert call_id == "ca11d000-0171-4691-2345-000000004821"
    assert str(uuid.UUID(call_id)) == call_id
    assert decode_call_uuid(call_id) == "1716912345.4821"
    assert decode_call_uuid(call_id.upper()) == "1716912345.4821"
    assert decode_call_uuid(uuid.UUID(call_id).hex) == "1716912345.4821"


def _run_dialplan(lines: str, uniqueid: str) -> str:
    """Evaluate the README's dialplan as Asterisk would: CUT(), ${VAR:offset:length}, Set()."""
    variables = {"UNIQUEID": uniqueid}

    def expand(text: str) -> str:
        def cut(match: re.Match[str]) -> str:
            name, delimiter, field = match.groups()
            return variables[name].split(delimiter)[int(field) - 1]

        def substring(match: re.Match[str]) -> str:
            value, offset, length = variables[match.group(1)], match.group(2), match.group(3)
            start = int(offset) if offset else 0
            start = len(value) + start if start < 0 else start
            return value[start:] if length is None else value[start : start + int(length)]

        text = re.sub(r"\$\{CUT\((\w+),(.),(\d+)\)\}", cut, text)
        return re.sub(r"\$\{(\w+)(?::(-?\d+))?(?::(\d+))?\}", substring, text)

    audiosocket_argument = None
    for line in lines.splitlines():
        application = line.split("n,", 1)[1]
        if application.startswith("Set("):
            name, value = application[4:-1].split("=", 1)
            variables[name.lstrip("_")] = expand(value)
        elif application.startswith("AudioSocket("):
            audiosocket_argument = expand(application[len("AudioSocket(") : -1])
    assert audiosocket_argument is not None
    return audiosocket_argument.split(",")[0]


@pytest.mark.parametrize("uniqueid", ["1716912345.4821", "1716912345.0", "1999999999.123456789"])
def test_the_readme_dialplan_builds_the_uuid_callmon_decodes(uniqueid: str) -> None:
    call_id = _run_dialplan(AUDIOSOCKET_DIALPLAN, uniqueid)
    assert call_id == encode_call_uuid(uniqueid)
    assert decode_call_uuid(call_id) == uniqueid


def test_split_leg_uuids_decode_to_the_same_uniqueid() -> None:
    call_id = uuid.UUID(encode_call_uuid("1716912345.7"))
    caller, agent = leg_uuid(call_id, "caller"), leg_uuid(call_id, "agent")
    assert len({caller, agent, call_id}) == 3
    assert decode_call_uuid(str(caller)) == decode_call_uuid(str(agent)) == "1716912345.7"
    assert leg_of(caller) == (str(call_id), "caller")


@pytest.mark.parametrize(
    "call_id",
    [
        "48415fc4-a879-4739-b6d5-3280444be124",  # an ordinary random UUID (fixed: every xdist worker must collect the same ids)
        "ca11d000-0171-4691-2345-00000000482f",  # a hex digit where only decimals belong
        "ca11d100-0017-1691-2345-000000004821",  # not our prefix
        "CA0123456789abcdef0123456789abcdef",  # a Twilio callSid
        "not-a-uuid",
    ],
)
def test_other_call_ids_do_not_decode(call_id: str) -> None:
    assert decode_call_uuid(call_id) is None


def test_metadata_uniqueid_wins_over_the_call_uuid() -> None:
    call_id = encode_call_uuid("1716912345.4821")
    assert resolve_uniqueid(call_id, {"vicidial_uniqueid": "1716913000.4900"}) == "1716913000.4900"
    assert resolve_uniqueid(call_id, {"vicidial_uniqueid": "garbage"}) == "1716912345.4821"
    assert resolve_uniqueid("CA42", {"vicidial_uniqueid": "1716913000.4900"}) == "1716913000.4900"
    assert resolve_uniqueid("CA42", {}) is None


def test_settings_are_off_without_a_host_and_typed_from_the_environment() -> None:
    assert ViciDialSettings.from_env({}) is None
    assert ViciDialSettings.from_env({"CALLMON_VICIDIAL_HOST": "  "}) is None
    settings = ViciDialSettings.from_env(
        {
            "CALLMON_VICIDIAL_HOST": "10.0.0.5",
            "CALLMON_VICIDIAL_PORT": "3307",
            "CALLMON_VICIDIAL_USER": "qa",
            "CALLMON_VICIDIAL_PASSWORD": " secret ",
            "CALLMON_VICIDIAL_DATABASE": "asterisk2",
            "CALLMON_VICIDIAL_REPLICA_HOST": "10.0.0.6",
            "CALLMON_VICIDIAL_QUERY_TIMEOUT": "2.5",
            "CALLMON_VICIDIAL_RETRY_DELAYS": "0, 1,4",
        }
    )
    assert settings is not None
    assert (settings.host, settings.port, settings.user, settings.password) == (
        "10.0.0.5",
        3307,
        "qa",
        " secret ",
    )
    assert (settings.database, settings.replica_host, settings.query_timeout) == (
        "asterisk2",
        "10.0.0.6",
        2.5,
    )
    assert settings.retry_delays == (0.0, 1.0, 4.0)
    assert settings.cache_ttl_s == 300.0


@pytest.mark.parametrize(
    "env",
    [
        {"CALLMON_VICIDIAL_PORT": "mysql"},
        {"CALLMON_VICIDIAL_PORT": "70000"},
        {"CALLMON_VICIDIAL_QUERY_TIMEOUT": "0"},
        {"CALLMON_VICIDIAL_RETRY_DELAYS": "1,-2"},
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str]) -> None:
    with pytest.raises(ViciDialSettingsError, match="CALLMON_VICIDIAL_"):
        ViciDialSettings.from_env({"CALLMON_VICIDIAL_HOST": "db", **env})


def test_ttl_cache_expires_and_stays_bounded() -> None:
    now = [100.0]
    cache: TtlCache[str, int] = TtlCache(10.0, max_entries=2, clock=lambda: now[0])
    cache.put("a", 1)
    now[0] += 9.9
    assert cache.get("a") == 1
    now[0] += 0.1
    assert cache.get("a") is None
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, 2, 3)


def test_call_fields_leave_unknowns_out_and_metadata_is_strings() -> None:
    info = CallInfo(
        uniqueid="1716912345.4821",
        direction="inbound",
        agent="6001",
        agent_name=None,
        caller_number="3125550147",
        in_group="SUPPORT_EN",
        lead_id=100231,
        queue_seconds=14.5,
        call_date=datetime(2024, 5, 28, 16, 5, 46),
    )
    assert info.call_fields() == {
        "agent": "6001",
        "caller_number": "3125550147",
        "in_group": "SUPPORT_EN",
        "metadata": {
            "vicidial_uniqueid": "1716912345.4821",
            "direction": "inbound",
            "lead_id": "100231",
            "queue_seconds": "14.5",
        },
    }
