"""`callmon alerts`: deliver notifications from processes of their own.

For deployments that split notification out of the ingest workers (which
then run with ``notify.in_process = false``). The workers append every raised
alert to the Redis stream ``alerts:stream``; each dispatcher process joins,
as a consumer with a unique name, the consumer group of every channel it has
configured (``notify:slack``, ``notify:smtp``, ``notify:resend``; see
`alerts.stream`). So any number of dispatchers deliver each alert once per
channel, alerts raised while no dispatcher ran wait in the stream, and the
deliveries a killed dispatcher held are taken over by a survivor after
``notify.claim_idle_s``. Delivery status goes to the shared database, as
with in-process delivery.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from pathlib import Path

import redis.asyncio as redis

from alerts.channel_consumer import ChannelConsumer
from alerts.config import AlertSettings
from alerts.notifiers import Notifier, build_notifiers
from alerts.store import AlertStore
from alerts.stream import AlertGroup
from ingest.storage.database import DatabaseTarget
from ingest.tasks import spawn

log = logging.getLogger(__name__)
SHUTDOWN_GRACE_S = 5.0
SOCKET_TIMEOUT_S = 15.0


def consumer_name() -> str:
    """Unique per process, and says where it runs: ``host-pid-random``."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


async def run_alert_dispatcher(
    redis_url: str,
    db_path: str | Path | DatabaseTarget,
    settings: AlertSettings,
    *,
    notifiers: list[Notifier] | None = None,
    ready: asyncio.Event | None = None,
    consumer: str | None = None,
) -> None:
    """Run until cancelled; rides out Redis outages. `ready` is set once every
    channel's group exists (the consumer is registered by its first read, just after)."""
    store = await AlertStore.open(db_path)
    channels = build_notifiers(settings.notify) if notifiers is None else notifiers
    name = consumer or consumer_name()
    # The socket timeout must outlast the blocking reads (BLOCK_CAP_MS), which a
    # silent stream makes wait their full time.
    client = redis.from_url(
        redis_url, socket_connect_timeout=5.0, socket_timeout=SOCKET_TIMEOUT_S, health_check_interval=30
    )
    consumers = [
        ChannelConsumer(AlertGroup(client, notifier.name, name), notifier, store, settings.notify)
        for notifier in channels
    ]
    started = [asyncio.Event() for _ in consumers]
    tasks = [
        spawn(channel.run(event), name=f"dispatch {channel.group.group}")
        for channel, event in zip(consumers, started, strict=True)
    ]
    try:
        if not consumers:
            log.warning("no notification channel is configured: this dispatcher has nothing to deliver")
        await asyncio.gather(*(event.wait() for event in started))
        log.info(
            "dispatching alerts from %s as consumer %s on %s (take-over after %g s idle)",
            redis_url,
            name,
            ", ".join(channel.group.group for channel in consumers) or "no channel",
            settings.notify.claim_idle_s,
        )
        if ready is not None:
            ready.set()
        await asyncio.gather(*tasks) if tasks else await asyncio.Event().wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(*(channel.close(SHUTDOWN_GRACE_S) for channel in consumers))
        await client.aclose()
        await store.close()
