"""The registry of live calls: what it remembers about calls that have streamed."""

import asyncio
import logging

import pytest

from ingest.pipeline import admission as admission_module
from ingest.pipeline.admission import REFUSED_STREAMED, CallAdmission


async def test_a_call_that_streamed_refuses_its_webhook_and_the_memory_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(admission_module, "STREAMED_KEPT", 3)
    admission = CallAdmission()
    assert await admission.refuse_replayed_webhook("CA1") is None  # never streamed: served
    for call_id in ("CA1", "CA2", "CA3"):
        admission.note_streamed(call_id)
    assert await admission.refuse_replayed_webhook("CA1") == REFUSED_STREAMED
    admission.note_streamed("CA4")  # the oldest (CA1) is forgotten
    assert await admission.refuse_replayed_webhook("CA1") is None
    assert await admission.refuse_replayed_webhook("CA4") == REFUSED_STREAMED
    assert admission.refused[REFUSED_STREAMED] == 2


async def test_a_call_on_record_is_refused_even_when_this_process_never_saw_it() -> None:
    admission = CallAdmission()
    stored = {"CAstored"}

    async def on_record(call_id: str) -> bool:
        return call_id in stored

    admission.on_record = on_record
    assert await admission.refuse_replayed_webhook("CAstored") == REFUSED_STREAMED
    assert await admission.refuse_replayed_webhook("CAnew") is None


async def test_a_store_that_fails_or_hangs_does_not_refuse_a_real_call(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    monkeypatch.setattr(admission_module, "RECORD_LOOKUP_S", 0.05)
    admission = CallAdmission()
    admission.note_streamed("CAmemory")

    async def broken(call_id: str) -> bool:
        raise OSError("database is locked")

    async def hung(call_id: str) -> bool:
        await asyncio.sleep(60)
        return True

    for lookup in (broken, hung):
        admission.on_record = lookup
        assert await admission.refuse_replayed_webhook("CAnew") is None
        # What this process remembers still holds without the store.
        assert await admission.refuse_replayed_webhook("CAmemory") == REFUSED_STREAMED
    assert caplog.text.count("could not say whether it already streamed") == 2
    assert "OSError" in caplog.text and "TimeoutError" in caplog.text
