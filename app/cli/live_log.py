"""A terminal view of what the worker produces: segments, alerts, call starts and ends."""

from __future__ import annotations

import time

from rich.console import Console
from rich.markup import escape

from alerts.levels import Level
from ingest.bus import Bus
from ingest.bus.channels import ALERTS, EVENTS, transcript_channel
from ingest.events import AlertRaised, CallEnded, CallStarted, Event, TranscriptSegment

CHANNELS = (EVENTS, transcript_channel(), ALERTS)
LEVEL_STYLE: dict[Level, str] = {"warning": "yellow", "urgent": "bold red", "critical": "bold white on red"}
LABEL_STYLE = {"positive": "green", "negative": "red", "neutral": "dim"}


async def print_live_log(bus: Bus, console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    async with bus.subscribe(*CHANNELS) as events:
        async for event in events:
            line = format_event(event)
            if line:
                console.print(line)


def format_event(event: Event) -> str | None:
    """One event from the bus as one line of rich markup (None: not shown)."""
    stamp = time.strftime("%H:%M:%S")
    call = escape(_short(getattr(event, "call_id", "")))
    match event:
        case TranscriptSegment():
            extras = ", ".join([*event.keywords, *event.profanity])
            return (
                f"[dim]{stamp}[/] {call} [cyan]{event.speaker:>7}[/] "
                f"[{LABEL_STYLE.get(event.sentiment_label, '')}]{event.sentiment_score:+.2f}[/] "
                f"{escape(event.text)}" + (f" [magenta]{{{escape(extras)}}}[/]" if extras else "")
            )
        case AlertRaised():
            reasons = "; ".join(event.reasons)
            return (
                f"[dim]{stamp}[/] {call} [{LEVEL_STYLE[event.level]}]ALERT {event.level.upper()}[/] "
                f"{escape(reasons)}"
            )
        case CallStarted():
            return f"[dim]{stamp}[/] {call} [bold green]call started[/] ({escape(event.source)})"
        case CallEnded():
            return f"[dim]{stamp}[/] {call} [bold]call ended[/] ({escape(event.reason)})"
    return None


def _short(call_id: str) -> str:
    return call_id if len(call_id) <= 12 else call_id[:12] + "…"
