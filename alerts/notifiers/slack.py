"""Slack incoming webhook: Block Kit blocks in an attachment coloured by level."""

from __future__ import annotations

from typing import Any

import httpx

from alerts.levels import Level
from alerts.notifiers.base import DeliveryError, detail_lines, subject_line
from ingest.events import AlertRaised

LEVEL_COLOURS: dict[str, str] = {
    "warning": "#f2c744",
    "urgent": "#e8912d",
    "critical": "#d40e0d",
}


class SlackNotifier:
    name = "slack"

    def __init__(self, webhook_url: str, min_level: Level = "urgent", timeout_s: float = 10.0) -> None:
        self._webhook_url = webhook_url
        self.min_level = min_level
        self._timeout_s = timeout_s

    async def send(self, alert: AlertRaised, call_link: str) -> None:
        try:
            async with httpx.AsyncClient(timeout=self._timeout_s) as client:
                response = await client.post(self._webhook_url, json=slack_payload(alert, call_link))
        except httpx.HTTPError as error:
            raise DeliveryError(f"Slack: {type(error).__name__}: {error}") from error
        if response.status_code != 200:
            raise DeliveryError(f"Slack answered HTTP {response.status_code}: {response.text[:200]}")


def slack_payload(alert: AlertRaised, call_link: str) -> dict[str, Any]:
    """The webhook body: `text` is the notification fallback, blocks the message."""
    fields = [
        {"type": "mrkdwn", "text": f"*{label}*\n{_escape(value)}"}
        for label, value in detail_lines(alert)
        if label not in ("Said", "Reasons")
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": subject_line(alert)[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Reasons*\n" + "\n".join(
            f"\u2022 {_escape(reason)}" for reason in alert.reasons)}},
        {"type": "section", "fields": fields[:10]},
    ]  # fmt: skip
    if alert.text:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{alert.speaker}:* >{_escape(alert.text)}"},
            }
        )
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Open call"},
                    "url": call_link,
                }
            ],
        }
    )
    return {
        "text": f"{subject_line(alert)}: {'; '.join(alert.reasons)}",
        "attachments": [{"color": LEVEL_COLOURS.get(alert.level, "#808080"), "blocks": blocks}],
    }


def _escape(text: str) -> str:
    # Slack's mrkdwn control characters.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
