"""`callmon alerts`: deliver notifications from a process of their own.

For deployments that split notification out of the ingest worker (which then
runs with ``notify.in_process = false``): alerts arrive as JSON on the Redis
channel ``calls:alerts``; deliveries are recorded in the shared database.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError

from alerts.config import AlertSettings
from alerts.dispatcher import NotificationDispatcher
from alerts.notifiers import Notifier, build_notifiers
from alerts.store import AlertStore
from ingest.bus.channels import ALERTS
from ingest.event_codec import EventDecodeError, decode_event
from ingest.events import AlertRaised
from ingest.log_limits import RateLimitedLog
from ingest.retry import backoff_delays
from ingest.storage.database import DatabaseTarget

log = logging.getLogger(__name__)
malformed = RateLimitedLog(log)
ALERTS_CHANNEL = ALERTS
RECONNECT_FIRST_S, RECONNECT_CAP_S = 0.5, 30.0


async def run_alert_dispatcher(
    redis_url: str,
    db_path: str | Path | DatabaseTarget,
    settings: AlertSettings,
    *,
    notifiers: list[Notifier] | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Run until cancelled; reconnects to Redis after an outage. `ready` is set once subscribed."""
    store = await AlertStore.open(db_path)
    channels = build_notifiers(settings.notify) if notifiers is None else notifiers
    dispatcher = NotificationDispatcher(channels, store, settings.notify)
    if not channels:
        log.warning("no notification channel is configured: alerts will only be logged")
    client = redis.from_url(redis_url)
    delays = backoff_delays(RECONNECT_FIRST_S, RECONNECT_CAP_S)
    try:
        while True:
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(ALERTS_CHANNEL)
                    log.info("dispatching alerts from %s on %s", ALERTS_CHANNEL, redis_url)
                    if ready is not None:
                        ready.set()
                    delays = backoff_delays(RECONNECT_FIRST_S, RECONNECT_CAP_S)
                    async for message in pubsub.listen():
                        # Redis's own message kinds (subscribe confirmations) are not ours.
                        if message.get("type") == "message":
                            _dispatch(dispatcher, message["data"])
            except (RedisConnectionError, OSError) as error:
                delay = next(delays)
                log.warning("Redis unavailable (%s); retrying in %.1f s", error, delay)
                await asyncio.sleep(delay)
    finally:
        await dispatcher.close()
        await client.aclose()
        await store.close()


def _dispatch(dispatcher: NotificationDispatcher, data: bytes | str) -> None:
    alert = parse_alert(data)
    if alert is not None:
        log.info("alert %s (%s) on call %s", alert.id, alert.level, alert.call_id)
        dispatcher.submit(alert)


def parse_alert(data: bytes | str) -> AlertRaised | None:
    """An `AlertRaised` from its bus JSON; None for anything else (other events
    share the channel: acknowledgements) and for malformed messages (logged,
    rate limited)."""
    try:
        event = decode_event(data)
    except EventDecodeError as error:
        malformed.warning(error.reason, "dropped a message on %s: %s", ALERTS_CHANNEL, error)
        return None
    return event if isinstance(event, AlertRaised) else None
