"""Email through Resend's HTTP API (POST /emails with a Bearer key)."""

from __future__ import annotations

import httpx

from alerts.levels import Level
from alerts.notifiers.base import DeliveryError, html_text, plain_text, subject_line
from ingest.events import AlertRaised


class ResendNotifier:
    name = "resend"

    def __init__(
        self,
        api_key: str,
        sender: str,
        to: tuple[str, ...],
        *,
        base_url: str = "https://api.resend.com",
        min_level: Level = "urgent",
        timeout_s: float = 10.0,
    ) -> None:
        self._api_key = api_key
        self._sender = sender
        self._to = to
        self._url = base_url.rstrip("/") + "/emails"
        self.min_level = min_level
        self._timeout_s = timeout_s

    async def send(self, alert: AlertRaised, call_link: str) -> None:
        body = {
            "from": self._sender,
            "to": list(self._to),
            "subject": subject_line(alert),
            "text": plain_text(alert, call_link),
            "html": html_text(alert, call_link),
        }
        # Resend deduplicates retries of the same alert for 24 h.
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Idempotency-Key": f"alert-{alert.id}",
        }
        try:
            async with httpx.AsyncClient(timeout=self._timeout_s) as client:
                response = await client.post(self._url, json=body, headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryError(f"Resend: {type(error).__name__}: {error}") from error
        if response.status_code >= 300:
            raise DeliveryError(f"Resend answered HTTP {response.status_code}: {response.text[:200]}")
