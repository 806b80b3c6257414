"""The registry of live calls: what it remembers about calls that have streamed."""

from ingest.pipeline import admission as admission_module
from ingest.pipeline.admission import REFUSED_STREAMED, CallAdmission


def test_a_call_that_streamed_refuses_its_webhook_and_the_memory_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(admission_module, "STREAMED_KEPT", 3)
    admission = CallAdmission()
    assert admission.refuse_replayed_webhook("CA1") is None  # never streamed: served
    for call_id in ("CA1", "CA2", "CA3"):
        admission.note_streamed(call_id)
    assert admission.refuse_replayed_webhook("CA1") == REFUSED_STREAMED
    admission.note_streamed("CA4")  # the oldest (CA1) is forgotten
    assert admission.refuse_replayed_webhook("CA1") is None
    assert admission.refuse_replayed_webhook("CA4") == REFUSED_STREAMED
    assert admission.refused[REFUSED_STREAMED] == 2
