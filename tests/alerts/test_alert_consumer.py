"""`callmon alerts` split out: notifications for alerts published on real Redis."""

import asyncio
import json

import redis.asyncio as redis

from alerts.config import settings_from_mapping
from alerts.consumer import ALERTS_CHANNEL, parse_alert, run_alert_dispatcher
from alerts.store import AlertStore
from ingest.events import AlertAcknowledged, AlertRaised
from ingest.tasks import spawn
from tests.support.waiting import wait_until

ALERT = AlertRaised(
    id="al-1",
    call_id="call-1",
    level="urgent",
    rules=("profanity",),
    reasons=('profanity "damn"',),
    text="damn it",
    speaker="caller",
    score=-0.4,
    rolling_score=-0.2,
    raised_at=1000.0,
)


def test_parse_alert_round_trips_and_drops_the_rest():
    assert parse_alert(json.dumps(ALERT.to_dict())) == ALERT
    assert parse_alert(json.dumps(AlertAcknowledged("al-1", "call-1", "sam").to_dict())) is None
    assert parse_alert(b"{not json") is None
    assert parse_alert(json.dumps({"type": "AlertRaised", "id": "x"})) is None
    assert parse_alert(json.dumps({**ALERT.to_dict(), "level": "apocalyptic"})) is None
    assert parse_alert(json.dumps([1, 2])) is None


async def test_dispatches_alerts_from_redis_and_records_delivery(redis_url, http_server, tmp_path):
    db_path = tmp_path / "callmon.db"
    settings = settings_from_mapping(
        {"notify": {"in_process": False, "slack": {"webhook_url": http_server.url + "/hook"}}}
    )
    ready = asyncio.Event()
    consumer = spawn(run_alert_dispatcher(redis_url, db_path, settings, ready=ready), name="test consumer")
    client = redis.from_url(redis_url)
    try:
        await asyncio.wait_for(ready.wait(), 30)
        # Malformed and foreign messages first: they must not stop the consumer.
        await client.publish(ALERTS_CHANNEL, b"\xff garbage")
        await client.publish(ALERTS_CHANNEL, json.dumps(AlertAcknowledged("x", "call-1", "sam").to_dict()))
        await client.publish(ALERTS_CHANNEL, json.dumps({**ALERT.to_dict(), "level": "warning", "id": "low"}))
        await client.publish(ALERTS_CHANNEL, json.dumps(ALERT.to_dict()))
        request = await http_server.next_request()
        assert (
            request.body["attachments"][0]["blocks"][0]["text"]["text"]
            == "[URGENT] callmon alert on call call-1"
        )
        store = await AlertStore.open(db_path)
        try:
            deliveries = await wait_until(
                lambda: store.list_deliveries("al-1"), message="the Slack delivery record"
            )
            assert [(d.channel, d.status, d.attempts) for d in deliveries] == [("slack", "delivered", 1)]
        finally:
            await store.close()
        assert len(http_server.received) == 1  # the warning is below Slack's minimum level
        assert not consumer.done()
    finally:
        consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
        await client.aclose()
