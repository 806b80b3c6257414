"""Simulated calls raise the alerts SPEC.md's rules promise, once per cooldown."""

from __future__ import annotations

import asyncio

from e2e_support import wait_for_end

from alerts.store import AlertStore
from app.worker import IngestWorker
from simulator.dialing import Target, dial_audiosocket, dial_twilio
from simulator.scripts import find_script
from simulator.timeline import render_call

# The levels of SPEC.md's rule table, written out here rather than read from
# the code under test.
SPEC_RULE_LEVELS = {
    "keyword_detected": "warning",
    "legal_threat": "urgent",
    "profanity": "urgent",
    "negative_trend": "warning",
    "severe_negative_trend": "urgent",
    "very_negative": "critical",
    "declining_call": "urgent",
    "agent_conduct": "urgent",
    "missing_disclosure": "urgent",
}
LEVEL_ORDER = ("warning", "urgent", "critical")


def expected_level(rules: tuple[str, ...]) -> str:
    return max((SPEC_RULE_LEVELS[rule] for rule in rules), key=LEVEL_ORDER.index)


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
    # One alert per utterance, at the highest level of the rules that fired on it.
    assert keyword_alerts[0].level == expected_level(keyword_alerts[0].rules), described[cancel_id]
    assert any("cancel" in reason for reason in keyword_alerts[0].reasons), described[cancel_id]
    assert keyword_alerts[0].speaker == "caller"

    threats = [a for a in alerts[legal_id] if "legal_threat" in a.rules]
    assert threats, described[legal_id]
    assert all(a.level == expected_level(a.rules) for a in threats), described[legal_id]
    assert all(a.speaker == "caller" for a in threats)
    assert any("lawyer" in r or "sue" in r for a in threats for r in a.reasons), described[legal_id]

    for cid, found in alerts.items():
        stored = await worker.store.get_call(cid)
        assert stored is not None and stored.alert_count == len(found)
