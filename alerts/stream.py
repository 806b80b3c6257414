"""One notification channel's consumer group on the Redis stream ``alerts:stream``.

The ingest worker appends every raised alert to the stream (`RedisBus`).
Each channel (slack, smtp, resend) has a consumer group of its own,
``notify:{channel}``: a group hands each entry to one consumer, so with one
group per channel every alert is delivered once per channel however many
`callmon alerts` processes read, and a slow channel never holds up another.
Each process is one consumer (a unique name) in the group of every channel
it has configured.

An entry stays in the group's pending list until it is acknowledged; the
consumer acknowledges only after the delivery's outcome is in the store.
Entries a consumer holds longer than the claim idle time are taken over with
XAUTOCLAIM by whoever looks next: that is how a killed dispatcher's deliveries
are finished by a survivor. A live consumer refreshes the idle time of what it
is still working on (`keep()`), so a long delivery with retries is not taken
from it. Entries given up on (malformed, failed after every retry, handed out
too often) are copied to ``alerts:dead:{channel}`` and acknowledged: the
dead-letter stream's length is the dead-letter count.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import redis.asyncio as redis
from redis.exceptions import ResponseError

from ingest.bus.channels import ALERT_STREAM, STREAM_FIELD

log = logging.getLogger(__name__)

# Atomic, so a consumer that reads an entry between our look and the delete
# does not have it deleted from the pending list with it.
_DELETE_IF_NOTHING_PENDING = """
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
"""
DEAD_LETTER_LIMIT = 10000
"""Entries kept per dead-letter stream (approximate)."""


GROUP_PREFIX = "notify:"


def group_name(channel: str) -> str:
    return f"{GROUP_PREFIX}{channel}"


def dead_letter_stream(channel: str) -> str:
    return f"alerts:dead:{channel}"


@dataclass(frozen=True, slots=True)
class StreamEntry:
    id: str
    data: bytes | None
    """The alert's JSON; None when the entry has no such field (or was trimmed away)."""
    deliveries: int
    """Times the group has handed this entry out, this time included."""


class AlertGroup:
    """Reads, claims, refreshes and acknowledges one channel's entries as `consumer`."""

    def __init__(
        self,
        client: redis.Redis,
        channel: str,
        consumer: str,
        *,
        stream: str = ALERT_STREAM,
    ) -> None:
        self.channel = channel
        self.consumer = consumer
        self.stream = stream
        self.group = group_name(channel)
        self.dead_letters = dead_letter_stream(channel)
        self._client = client
        self._claim_cursor = "0-0"

    async def ensure(self, replay_s: float) -> bool:
        """Create the group if it does not exist (and the stream with it); True if created.

        A new group starts `replay_s` back, by Redis's clock (stream ids are its
        milliseconds): alerts raised shortly before the first dispatcher came up
        are still delivered, a long history is not replayed to a new channel.
        """
        seconds, micros = await self._client.time()
        start_ms = max(0, int(seconds * 1000 + micros // 1000 - replay_s * 1000))
        try:
            await self._client.xgroup_create(self.stream, self.group, id=f"{start_ms}-0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" in str(error):
                return False  # another dispatcher (or an earlier run) made it
            raise
        log.info("created consumer group %s on %s", self.group, self.stream)
        return True

    async def read_new(self, count: int, block_ms: int) -> list[StreamEntry]:
        """Up to `count` entries nobody in the group was given yet; waits up to `block_ms`."""
        # redis-py types stream replies loosely (RESP2 vs RESP3): read as the RESP2 shape.
        reply: Any = await self._client.xreadgroup(
            self.group, self.consumer, {self.stream: ">"}, count=count, block=block_ms
        )
        entries: list[StreamEntry] = []
        for _stream, items in reply or ():
            entries += [_entry(entry_id, fields, 1) for entry_id, fields in items]
        return entries

    async def claim_stale(self, idle_ms: int, count: int) -> list[StreamEntry]:
        """Take over up to `count` entries someone has held for `idle_ms` or more.

        Walks the pending list with XAUTOCLAIM's cursor across calls, so a long
        list is covered bit by bit. Entries trimmed from the stream while pending
        are dropped from the list by Redis itself.
        """
        reply: Any = await self._client.xautoclaim(
            self.stream, self.group, self.consumer, idle_ms, start_id=self._claim_cursor, count=count
        )
        cursor, items = reply[0], reply[1]
        self._claim_cursor = _text(cursor)
        claimed = [(entry_id, fields) for entry_id, fields in items if entry_id is not None]
        if not claimed:
            return []
        counts = await self._delivery_counts([_text(entry_id) for entry_id, _ in claimed])
        entries = [_entry(entry_id, fields, counts.get(_text(entry_id), 1)) for entry_id, fields in claimed]
        log.info(
            "%s: took over %d deliveries held past %d ms by stalled dispatchers: %s",
            self.group,
            len(entries),
            idle_ms,
            ", ".join(f"{entry.id} (handed out {entry.deliveries} times)" for entry in entries),
        )
        return entries

    @property
    def claim_pass_done(self) -> bool:
        """True when the last `claim_stale()` reached the end of the pending list."""
        return self._claim_cursor == "0-0"

    async def forget_idle_consumers(self, idle_s: float) -> list[str]:
        """Remove other consumers that hold nothing and were silent for `idle_s`
        (dispatchers that are gone); a live one is simply re-created by its next read."""
        forgotten = []
        for consumer in await self._client.xinfo_consumers(self.stream, self.group):
            name = _text(consumer["name"])
            if (
                name != self.consumer
                and int(consumer["pending"]) == 0
                and int(consumer["idle"]) > idle_s * 1000
            ):
                removed = await self._client.eval(
                    _DELETE_IF_NOTHING_PENDING, 1, self.stream, self.group, name
                )
                if removed == 1:
                    forgotten.append(name)
        return forgotten

    async def keep(self, entry_ids: list[str]) -> None:
        """Reset the idle time of entries this consumer is still working on, so no
        one else takes them over. JUSTID leaves their delivery counts alone."""
        if entry_ids:
            ids: list[str | bytes | int | memoryview[int]] = list(entry_ids)
            await self._client.xclaim(self.stream, self.group, self.consumer, 0, ids, justid=True)

    async def holds(self, entry_id: str) -> bool:
        """Is `entry_id` still pending on this consumer? False once another consumer
        took it over (this one stalled past the claim idle time) or it was acknowledged."""
        pending: Any = await self._client.xpending_range(
            self.stream, self.group, min=entry_id, max=entry_id, count=1, consumername=self.consumer
        )
        return bool(pending)

    async def ack(self, entry_id: str) -> None:
        await self._client.xack(self.stream, self.group, entry_id)

    async def dead_letter(self, entry: StreamEntry, reason: str) -> int:
        """Copy `entry` with `reason` to the channel's dead-letter stream and acknowledge
        it, in one transaction; returns the dead-letter count."""
        record: dict[Any, Any] = {"entry": entry.id, "reason": reason, "deliveries": entry.deliveries}
        if entry.data is not None:
            record[STREAM_FIELD] = entry.data
        pipe = self._client.pipeline(transaction=True)
        pipe.xadd(self.dead_letters, record, maxlen=DEAD_LETTER_LIMIT, approximate=True)
        pipe.xack(self.stream, self.group, entry.id)
        pipe.xlen(self.dead_letters)
        results = await pipe.execute()
        return int(results[-1])

    async def _delivery_counts(self, entry_ids: list[str]) -> dict[str, int]:
        """entry id -> times delivered, for entries this consumer now holds."""
        pending: Any = await self._client.xpending_range(
            self.stream,
            self.group,
            min=min(entry_ids, key=_id_order),
            max=max(entry_ids, key=_id_order),
            count=len(entry_ids) + 100,
            consumername=self.consumer,
        )
        return {_text(item["message_id"]): int(item["times_delivered"]) for item in pending}


@dataclass(frozen=True, slots=True)
class ChannelBacklog:
    """Where one channel's deliveries stand (`callmon alerts backlog`)."""

    channel: str
    consumers: int
    """Dispatchers the group knows (Redis lists one once it was handed an entry)."""
    unread: int | None
    """Entries no dispatcher was handed yet; None when Redis cannot tell (after trimming)."""
    pending: int
    """Handed out and not yet acknowledged: deliveries in flight, or held by a dead dispatcher."""
    dead_letters: int


async def channel_backlogs(client: redis.Redis, stream: str = ALERT_STREAM) -> list[ChannelBacklog]:
    """Every channel's group on `stream`, by channel name."""
    if not await client.exists(stream):
        return []
    groups: Any = await client.xinfo_groups(stream)
    backlogs = []
    for group in groups:
        name = _text(group["name"])
        if not name.startswith(GROUP_PREFIX):
            continue
        channel = name.removeprefix(GROUP_PREFIX)
        lag = group.get("lag")
        backlogs.append(
            ChannelBacklog(
                channel,
                int(group["consumers"]),
                None if lag is None else int(lag),
                int(group["pending"]),
                int(await client.xlen(dead_letter_stream(channel))),
            )
        )
    return sorted(backlogs, key=lambda backlog: backlog.channel)


def _entry(entry_id: bytes | str, fields: dict[bytes, bytes] | None, deliveries: int) -> StreamEntry:
    data = (fields or {}).get(STREAM_FIELD.encode())
    return StreamEntry(_text(entry_id), data, deliveries)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _id_order(entry_id: str) -> tuple[int, int]:
    millis, _, sequence = entry_id.partition("-")
    return int(millis), int(sequence or 0)
