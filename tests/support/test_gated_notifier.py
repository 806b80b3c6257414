"""The gated notifier counts a notification delivered only when its sender heard the answer."""

from __future__ import annotations

import asyncio
import json

import httpx

from tests.support.gated_notifier import gated_notifier
from tests.support.waiting import wait_until


async def test_a_sender_that_hangs_up_at_the_gate_is_not_a_delivery() -> None:
    async with gated_notifier() as notifier, httpx.AsyncClient(timeout=30) as patient:
        heard = asyncio.ensure_future(patient.post(notifier.url + "/hook", json={"n": 1}))
        # A sender killed while held: its connection closes before any answer.
        _reader, writer = await asyncio.open_connection("127.0.0.1", int(notifier.url.rsplit(":", 1)[1]))
        body = json.dumps({"n": 2}).encode()
        writer.write(
            b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        await wait_until(lambda: len(notifier.arrived) == 2, message="both requests at the gate")
        assert notifier.answered == []
        writer.close()
        await wait_until(lambda: notifier.abandoned_waiting() == 1, message="the hang-up noticed")

        notifier.gate.set()
        assert (await heard).status_code == 200
        assert notifier.answered == [{"n": 1}]
        assert notifier.answered_keys() == {json.dumps({"n": 1}): 1}
