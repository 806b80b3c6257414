"""The assembled worker serves every HTTP entry point it documents."""

from __future__ import annotations

import httpx

from app.worker import IngestWorker


async def test_worker_serves_health_voice_and_chat_webhooks(worker: IngestWorker) -> None:
    base = f"http://127.0.0.1:{worker.http_port}"
    form = {"CallSid": "CA" + "1" * 32, "From": "+15550100123", "To": "+15550100999"}
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        health = await client.get("/healthz")
        voice = await client.post("/twilio/voice", data=form)
        chat = await client.post("/twilio/chat/voice", data=form)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert voice.status_code == 200 and "<Stream" in voice.text and 'track="both_tracks"' in voice.text
    assert chat.status_code == 200 and "<Gather" in chat.text
