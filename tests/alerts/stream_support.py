"""Helpers for the alert-stream tests: alerts, and reading the groups' state in real Redis."""

from __future__ import annotations

import re
from typing import Any

import redis.asyncio as redis

from alerts.stream import dead_letter_stream, group_name
from ingest.bus.channels import ALERT_STREAM
from ingest.events import AlertRaised

_CALL = re.compile(r"alert on call ([\w-]+)")


def make_alert(n: int, level: str = "urgent") -> AlertRaised:
    """Alert `n`, on call ``call-{n}``: each notification names its call, so tests
    tell deliveries apart by it."""
    return AlertRaised(
        id=f"al-{n}",
        call_id=f"call-{n}",
        level=level,  # type: ignore[arg-type]
        rules=("legal_threat",),
        reasons=(f'legal threat "sue" #{n}',),
        text=f"I will sue you ({n})",
        speaker="caller",
        score=-0.5,
        rolling_score=-0.3,
        raised_at=1_700_000_000.0 + n,
    )


def notified_calls(server: Any) -> list[str]:
    """The call of every notification `server` (conftest's HttpServer) received (Slack text or Resend subject), in order."""
    found = []
    for request in server.received:
        body = request.body if isinstance(request.body, dict) else {}
        match = _CALL.search(str(body.get("text") or body.get("subject") or ""))
        found.append(match.group(1) if match else "?")
    return found


async def pending_count(client: redis.Redis, channel: str) -> int:
    """Entries of `channel`'s group handed out and not acknowledged."""
    summary: Any = await client.xpending(ALERT_STREAM, group_name(channel))
    return int(summary["pending"])


async def pending_by_consumer(client: redis.Redis, channel: str) -> dict[str, int]:
    summary: Any = await client.xpending(ALERT_STREAM, group_name(channel))
    return {
        (item["name"].decode() if isinstance(item["name"], bytes) else item["name"]): int(item["pending"])
        for item in summary["consumers"] or ()
    }


async def unread_count(client: redis.Redis, channel: str) -> int:
    """Entries of the stream `channel`'s group has not handed out yet (its lag)."""
    groups: Any = await client.xinfo_groups(ALERT_STREAM)
    (group,) = [group for group in groups if _text(group["name"]) == group_name(channel)]
    return int(group["lag"])


async def dead_letter_count(client: redis.Redis, channel: str) -> int:
    return int(await client.xlen(dead_letter_stream(channel)))


async def consumers(client: redis.Redis, channel: str) -> list[str]:
    """Names of the consumers `channel`'s group knows ([] before the group exists)."""
    if not await client.exists(ALERT_STREAM):
        return []
    groups: Any = await client.xinfo_groups(ALERT_STREAM)
    if not any(_text(group["name"]) == group_name(channel) for group in groups):
        return []
    found: Any = await client.xinfo_consumers(ALERT_STREAM, group_name(channel))
    return [_text(item["name"]) for item in found]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
