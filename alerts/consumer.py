"""`callmon alerts`: deliver notifications from a process of their own.

For deployments that split notification out of the ingest worker (which then
runs with ``notify.in_process = false``): alerts arrive as JSON on the Redis
channel ``calls:alerts``; deliveries are recorded in the shared database.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from alerts.config import AlertSettings
from alerts.dispatcher import NotificationDispatcher
from alerts.levels import level_rank
from alerts.notifiers import Notifier, build_notifiers
from alerts.store import AlertStore
from ingest.events import AlertRaised

log = logging.getLogger(__name__)
ALERTS_CHANNEL = "calls:alerts"


async def run_alert_dispatcher(
    redis_url: str,
    db_path: str | Path,
    settings: AlertSettings,
    *,
    notifiers: list[Notifier] | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Run until cancelled; reconnects to Redis after an outage. `ready` is set once subscribed."""
    import redis.asyncio as redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    store = await AlertStore.open(db_path)
    channels = build_notifiers(settings.notify) if notifiers is None else notifiers
    dispatcher = NotificationDispatcher(channels, store, settings.notify)
    if not channels:
        log.warning("no notification channel is configured: alerts will only be logged")
    client = redis.from_url(redis_url)
    delay = 0.5
    try:
        while True:
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(ALERTS_CHANNEL)
                    log.info("dispatching alerts from %s on %s", ALERTS_CHANNEL, redis_url)
                    if ready is not None:
                        ready.set()
                    delay = 0.5
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            _dispatch(dispatcher, message["data"])
            except (RedisConnectionError, OSError) as error:
                log.warning("Redis unavailable (%s); retrying in %.1f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
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
    """An `AlertRaised` from its bus JSON; None (logged) for anything else or malformed."""
    try:
        payload: Any = json.loads(data)
        if not isinstance(payload, dict) or payload.get("type") != "AlertRaised":
            return None  # other events share the channel (acknowledgements)
        fields = {k: v for k, v in payload.items() if k != "type"}
        fields["rules"] = tuple(fields.get("rules", ()))
        fields["reasons"] = tuple(fields.get("reasons", ()))
        alert = AlertRaised(**fields)
        if not isinstance(alert.id, str) or not isinstance(alert.call_id, str):
            raise TypeError("id and call_id must be strings")
        level_rank(alert.level)
        return alert
    except (ValueError, TypeError) as error:
        log.warning("dropped a malformed message on %s: %s", ALERTS_CHANNEL, error)
        return None
