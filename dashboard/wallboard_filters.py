"""The wallboard's filters, as pure functions of a live call (no NiceGUI here)."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.feed import LiveCall
from ingest.call_identity import agent_display_name

FACETS = ("agent", "campaign", "in_group", "language", "level")


def facet_value(call: LiveCall, facet: str) -> str | None:
    """The value of one filterable property of `call` (None when unknown)."""
    summary, metadata = call.summary, call.summary.metadata
    match facet:
        case "agent":
            return agent_display_name(summary)
        case "campaign":
            return summary.campaign or metadata.get("campaign")
        case "in_group":
            return summary.in_group or metadata.get("in_group")
        case "language":
            return summary.language or metadata.get("language") or call.last_language
        case "level":
            return call.top_level or "none"
    raise ValueError(f"no wallboard filter {facet!r}")


@dataclass(frozen=True, slots=True)
class WallboardFilter:
    """Chosen value per facet (absent: any) and a free-text filter."""

    chosen: tuple[tuple[str, str], ...] = ()
    text: str = ""

    def matches(self, call: LiveCall) -> bool:
        for facet, value in self.chosen:
            if (facet_value(call, facet) or "").lower() != value.lower():
                return False
        needle = self.text.strip().lower()
        if not needle:
            return True
        return needle in searchable_text(call)


def searchable_text(call: LiveCall) -> str:
    summary = call.summary
    parts = [
        call.call_id,
        call.last_text,
        call.last_translation,
        summary.caller_number,
        *(facet_value(call, facet) for facet in FACETS),
    ]
    return " ".join(p for p in parts if p).lower()


def facet_options(calls: list[LiveCall], facet: str) -> list[str]:
    """The values `facet` takes on the live calls, sorted, for the filter's choices."""
    return sorted({v for v in (facet_value(c, facet) for c in calls) if v}, key=str.lower)
