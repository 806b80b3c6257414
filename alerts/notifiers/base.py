"""The notifier interface, and the words every channel uses for an alert."""

from __future__ import annotations

from html import escape
from typing import Protocol, runtime_checkable

from alerts.levels import Level
from ingest.events import AlertRaised


class DeliveryError(RuntimeError):
    """The channel refused or failed the delivery (worth retrying)."""


@runtime_checkable
class Notifier(Protocol):
    name: str
    """Channel name stored with each delivery: "slack", "smtp", "resend"."""
    min_level: Level
    """Alerts below this level are not sent on this channel."""

    async def send(self, alert: AlertRaised, call_link: str) -> None:
        """Deliver one alert, or raise (the dispatcher times out and retries)."""
        ...


def subject_line(alert: AlertRaised) -> str:
    who = f" (agent {alert.agent})" if alert.agent else ""
    return f"[{alert.level.upper()}] callmon alert on call {alert.call_id}{who}"


def detail_lines(alert: AlertRaised) -> list[tuple[str, str]]:
    """(label, value) pairs for the alert's body, in display order."""
    lines = [
        ("Call", alert.call_id),
        ("Agent", alert.agent or "unknown"),
        ("Level", alert.level),
        ("Reasons", "; ".join(alert.reasons)),
        ("Rules", ", ".join(alert.rules)),
    ]
    if alert.text:
        lines.append(("Said", f"{alert.speaker}: \u201c{alert.text}\u201d"))
    if alert.score is not None:
        lines.append(("Score", f"{alert.score:+.2f}"))
    if alert.rolling_score is not None:
        lines.append(("Rolling score", f"{alert.rolling_score:+.2f}"))
    return lines


def plain_text(alert: AlertRaised, call_link: str) -> str:
    body = "\n".join(f"{label}: {value}" for label, value in detail_lines(alert))
    return f"{subject_line(alert)}\n\n{body}\n\nOpen the call: {call_link}\n"


def html_text(alert: AlertRaised, call_link: str) -> str:
    rows = "".join(
        f"<tr><th align='left'>{escape(label)}</th><td>{escape(value)}</td></tr>"
        for label, value in detail_lines(alert)
    )
    return (
        f"<h2>{escape(subject_line(alert))}</h2><table>{rows}</table>"
        f'<p><a href="{escape(call_link)}">Open the call in the dashboard</a></p>'
    )
