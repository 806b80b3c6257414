"""The worker's event loop is chosen by CALLMON_EVENT_LOOP (uvloop by default)."""

from __future__ import annotations

import asyncio

import pytest
import uvloop

from app import event_loop
from ingest.settings import IngestSettings, SettingsError


async def _loop_class_name() -> str:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop()).__module__


def test_uvloop_runs_the_coroutine_on_libuv() -> None:
    assert event_loop.run(_loop_class_name(), "uvloop").startswith("uvloop")


def test_asyncio_runs_the_coroutine_on_pythons_own_loop() -> None:
    assert event_loop.run(_loop_class_name(), "asyncio").startswith("asyncio")


def test_the_default_is_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALLMON_EVENT_LOOP", raising=False)
    assert IngestSettings.from_env().event_loop == "uvloop"
    assert event_loop.loop_factory("uvloop") is uvloop.new_event_loop


def test_the_environment_chooses_python_s_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLMON_EVENT_LOOP", "asyncio")
    assert IngestSettings.from_env().event_loop == "asyncio"


def test_an_unknown_loop_is_a_clear_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLMON_EVENT_LOOP", "trio")
    with pytest.raises(SettingsError, match=r"event_loop|EVENT_LOOP"):
        IngestSettings.from_env()


async def test_async_tests_run_on_the_loop_callmon_ships_with() -> None:
    assert type(asyncio.get_running_loop()).__module__.startswith("uvloop")
