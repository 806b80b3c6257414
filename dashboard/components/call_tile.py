"""One active call on the wallboard: who, how long, how it is going, what was said last."""

from __future__ import annotations

from nicegui import ui

from dashboard.feed import LiveCall
from dashboard.style import call_path, format_score, sentiment_classes
from ingest.call_identity import agent_display_name

CHIP = "px-2 rounded text-xs font-mono"
BADGE_CLASSES = {
    "warning": "bg-amber-400 text-black",
    "urgent": "bg-orange-600 text-white",
    "critical": "bg-red-700 text-white",
}


class CallTile:
    """Elements of one tile, updated in place (only what changed goes to the browser)."""

    def __init__(self, call: LiveCall) -> None:
        summary = call.summary
        with (
            ui.card().tight().classes("callmon-tile p-3 gap-1").props('data-testid="call-tile"') as self.card
        ):
            self.card.props["data-call-id"] = call.call_id  # wire data: set as a value, never parsed
            with ui.row().classes("w-full items-center gap-2 no-wrap"):
                self.agent = ui.link("", call_path(call.call_id)).classes("font-bold truncate")
                ui.space()
                self.badge = ui.label().classes(f"{CHIP} hidden").props('data-testid="alert-badge"')
            self.details = ui.label().classes("text-xs text-gray-600 truncate")
            with ui.row().classes("items-center gap-2"):
                ui.label("0:00").classes("text-sm font-mono").props(f'data-started="{summary.started_at}"')
                self.score = ui.label().props('data-testid="score"')
                self.rolling = ui.label().props('data-testid="rolling"')
            self.last_line = ui.label().classes("callmon-last-line text-sm").props('data-testid="last-line"')
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
            summary.language or metadata.get("language"),
        ]
        self._set("details", self.details, " · ".join(str(p) for p in parts if p))
        self._set(
            "score",
            self.score,
            f"now {format_score(call.last_score)}",
            f"{CHIP} {sentiment_classes(call.last_score)}",
        )
        self._set(
            "rolling",
            self.rolling,
            f"avg {format_score(call.rolling)}",
            f"{CHIP} {sentiment_classes(call.rolling)}",
        )
        line = f"{call.last_speaker}: {call.last_text}" if call.last_text else "…"
        self._set("line", self.last_line, line)
        level, count = call.top_level, len(call.open_alerts)
        self._set(
            "badge",
            self.badge,
            f"{count} {level}" if level else "",
            f"{CHIP} {BADGE_CLASSES.get(level or '', '')}" if level else f"{CHIP} hidden",
        )

    def place(self, rank: int) -> None:
        if self._shown.get("rank") != str(rank):
            self.card.style(f"order: {rank}")
            self._shown["rank"] = str(rank)
