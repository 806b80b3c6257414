"""Simulated calls raise the alerts SPEC.md's rules promise, once per cooldown."""

from __future__ import annotations

import asyncio

from e2e_support import wait_for_end

from alerts.store import AlertStore
from app.worker import IngestWorker
from simulator.dialing import Target, dial_audiosocket, dial_twilio
from simulator.scripts import find_script
from simulator.timeline import render_call


async def _alerts_by_call(worker: IngestWorker, call_ids: list[str]) -> dict[str, list]:
    await worker.alerts.drain()
    store = await AlertStore.open(worker.settings.db_path)
    try:
        return {cid: await store.list_alerts(limit=100, call_id=cid) for cid in call_ids}
    finally:
        await store.close()


async def test_calls_raise_expected_alerts(worker: IngestWorker, target: Target) -> None:
    cancel, legal, calm = (
        render_call(find_script(n)) for n in ("cancel_escalation", "legal_threat", "calm_billing")
    )
    cancel_id, legal_id, calm_id = await asyncio.gather(
        dial_audiosocket(cancel, target, speed=None),
        dial_twilio(legal, target, speed=None),
        dial_twilio(calm, target, speed=None),
    )
    for cid in (cancel_id, legal_id, calm_id):
        await wait_for_end(worker.store, cid)
    alerts = await _alerts_by_call(worker, [cancel_id, legal_id, calm_id])
    described = {cid: [(a.level, a.rules, a.reasons, a.text) for a in found] for cid, found in alerts.items()}

    assert alerts[calm_id] == [], described[calm_id]

    keyword_alerts = [a for a in alerts[cancel_id] if "keyword_detected" in a.rules]
    # "cancel", "unacceptable" and "supervisor" all fall in one 60 s cooldown window.
    assert len(keyword_alerts) == 1, described[cancel_id]
    assert keyword_alerts[0].level in ("warning", "urgent", "critical")
    assert any("cancel" in reason for reason in keyword_alerts[0].reasons), described[cancel_id]
    assert keyword_alerts[0].speaker == "caller"

    threats = [a for a in alerts[legal_id] if "legal_threat" in a.rules]
    assert threats, described[legal_id]
    assert all(a.level in ("urgent", "critical") for a in threats)
    assert all(a.speaker == "caller" for a in threats)
    assert any("lawyer" in r or "sue" in r for a in threats for r in a.reasons), described[legal_id]

    for cid, found in alerts.items():
        stored = await worker.store.get_call(cid)
        assert stored is not None and stored.alert_count == len(found)
