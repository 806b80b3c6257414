"""One active call on the wallboard: who, how long, how each party is doing, how far
recognition trails the audio, what was said last (in English, the original on hover).

The same tile serves the roomy card mode and the dense mode that fits 200 calls
on a 1080p screen: the grid's class decides what shows (see `style.SHARED_HEAD`),
so switching modes touches no tile.
"""

from __future__ import annotations

import time

from nicegui import ui

from dashboard.feed import LiveCall
from dashboard.style import call_path, format_clock, format_score, sentiment_classes
from ingest.call_identity import agent_display_name

CHIP = "px-1 rounded text-xs font-mono whitespace-nowrap shrink-0"
EDGE_CLASSES = {"warning": "border-l-4 border-amber-400", "urgent": "border-l-4 border-orange-600",
                "critical": "border-l-4 border-red-700"}  # fmt: skip
BADGE_CLASSES = {
    "warning": "bg-amber-400 text-black",
    "urgent": "bg-orange-600 text-white",
    "critical": "bg-red-700 text-white",
}
ENGLISH = ("en", None, "")


def shown_line(call: LiveCall) -> tuple[str, str | None]:
    """The last line as the tile shows it, and the original for the hover text
    when what is shown is a translation (pure)."""
    if not call.last_text:
        return "…", None
    speaker = call.last_speaker or "?"
    if call.last_translation and call.last_language not in ENGLISH:
        return f"{speaker}: {call.last_translation}", f"{call.last_language}: {call.last_text}"
    return f"{speaker}: {call.last_text}", None


def lag_text(call: LiveCall) -> str:
    lag = call.shown_lag_s
    return "" if lag is None else f"{lag:.0f} s behind"


class CallTile:
    """Elements of one tile, updated in place (only what changed goes to the browser)."""

    def __init__(self, call: LiveCall) -> None:
        summary = call.summary
        with (
            ui.card()
            .tight()
            .classes("callmon-tile p-2 gap-0 overflow-hidden")
            .props('data-testid="call-tile"') as self.card
        ):
            self.card.props["data-call-id"] = call.call_id  # wire data: set as a value, never parsed
            with ui.row().classes("callmon-tile-head w-full items-center gap-1"):
                self.agent = ui.link("", call_path(call.call_id)).classes(
                    "font-bold truncate grow text-sm min-w-[3.5rem]"
                )
                # Before the moods: in a narrow dense tile the moods are clipped, never the alert.
                self.badge = ui.label().classes(f"{CHIP} hidden").props('data-testid="alert-badge"')
                ui.label(format_clock(time.time() - summary.started_at)).classes("text-xs font-mono").props(
                    f'data-started="{summary.started_at}" data-testid="age"'
                )
                self.caller = ui.label().props('data-testid="caller-mood"')
                self.agent_mood = ui.label().props('data-testid="agent-mood"')
            self.details = ui.label().classes("callmon-tile-extra text-xs text-gray-600 truncate")
            with ui.row().classes("w-full items-start gap-1 no-wrap"):
                self.lag = (
                    ui.label()
                    .classes("text-xs text-red-700 font-semibold whitespace-nowrap")
                    .props('data-testid="lag"')
                    .mark("lag")
                )
                self.last_line = (
                    ui.label().classes("callmon-last-line text-sm").props('data-testid="last-line"')
                )
        self._shown: dict[str, str] = {}
        self.update(call)

    def _set(self, key: str, element: ui.label | ui.link, text: str, classes: str | None = None) -> None:
        if self._shown.get(key) != text:
            element.text = text
            self._shown[key] = text
        if classes is not None and self._shown.get(key + ":classes") != classes:
            element.classes(replace=classes)
            self._shown[key + ":classes"] = classes

    def update(self, call: LiveCall) -> None:
        summary = call.summary
        metadata = summary.metadata
        self._set("agent", self.agent, agent_display_name(summary) or "unassigned agent")
        caller = summary.caller_number or metadata.get("caller_number") or metadata.get("from") or "caller ?"
        parts = [
            caller,
            summary.campaign or metadata.get("campaign"),
            summary.in_group or metadata.get("in_group"),
            summary.language or metadata.get("language") or call.last_language,
        ]
        self._set("details", self.details, " · ".join(str(p) for p in parts if p))
        self._set(
            "caller",
            self.caller,
            f"caller {format_score(call.caller_mood)}",
            f"{CHIP} {sentiment_classes(call.caller_mood)}",
        )
        self._set(
            "agent_mood",
            self.agent_mood,
            f"agent {format_score(call.agent_mood)}",
            f"callmon-tile-extra {CHIP} {sentiment_classes(call.agent_mood)}",
        )
        self._set("lag", self.lag, lag_text(call))
        line, original = shown_line(call)
        self._set("line", self.last_line, line)
        if self._shown.get("original") != (original or ""):
            self._shown["original"] = original or ""
            if original:
                self.last_line.props["title"] = original  # a value, never parsed as props
            else:
                self.last_line.props.pop("title", None)
            self.last_line.update()
        level, count = call.top_level, len(call.open_alerts)
        self._set(
            "badge",
            self.badge,
            f"{count} {level}" if level else "",
            f"{CHIP} {BADGE_CLASSES.get(level or '', '')}" if level else f"{CHIP} hidden",
        )

        edge = EDGE_CLASSES.get(level or "", "")
        if self._shown.get("edge", "") != edge:
            self.card.classes(remove=self._shown.get("edge") or None, add=edge or None)
            self._shown["edge"] = edge

    def place(self, rank: int) -> None:
        if self._shown.get("rank") != str(rank):
            self.card.style(f"order: {rank}")
            self._shown["rank"] = str(rank)

    def show(self, visible: bool) -> None:
        if self._shown.get("visible") != str(visible):
            self.card.set_visibility(visible)
            self._shown["visible"] = str(visible)
