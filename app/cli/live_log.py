"""A terminal view of what the worker produces: segments, alerts, call starts and ends."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape

from ingest.bus import Bus

CHANNELS = ("calls:events", "calls:transcript:all", "calls:alerts")
LEVEL_STYLE = {"warning": "yellow", "urgent": "bold red", "critical": "bold white on red"}
LABEL_STYLE = {"positive": "green", "negative": "red", "neutral": "dim"}


async def print_live_log(bus: Bus, console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    async with bus.subscribe(*CHANNELS) as messages:
        async for message in messages:
            line = format_message(message)
            if line:
                console.print(line)


def format_message(message: Mapping[str, Any]) -> str | None:
    """One message from the bus as one line of rich markup (None: not shown)."""
    kind = message.get("type")
    stamp = time.strftime("%H:%M:%S")
    call = escape(_short(str(message.get("call_id", ""))))
    if kind == "TranscriptSegment":
        label = str(message.get("sentiment_label", "neutral"))
        score = float(message.get("sentiment_score", 0.0))
        extras = ", ".join([*message.get("keywords", []), *message.get("profanity", [])])
        return (
            f"[dim]{stamp}[/] {call} [cyan]{message.get('speaker', '?'):>7}[/] "
            f"[{LABEL_STYLE.get(label, '')}]{score:+.2f}[/] {escape(str(message.get('text', '')))}"
            + (f" [magenta]{{{escape(extras)}}}[/]" if extras else "")
        )
    if kind == "AlertRaised":
        level = str(message.get("level", "warning"))
        reasons = "; ".join(message.get("reasons", []))
        return f"[dim]{stamp}[/] {call} [{LEVEL_STYLE.get(level, 'red')}]ALERT {level.upper()}[/] {escape(reasons)}"
    if kind == "CallStarted":
        return f"[dim]{stamp}[/] {call} [bold green]call started[/] ({escape(str(message.get('source')))})"
    if kind == "CallEnded":
        return f"[dim]{stamp}[/] {call} [bold]call ended[/] ({escape(str(message.get('reason')))})"
    return None


def _short(call_id: str) -> str:
    return call_id if len(call_id) <= 12 else call_id[:12] + "…"
