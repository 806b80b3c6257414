"""A header badge that turns red when ingest, the bus or the database is unreachable."""

from __future__ import annotations

from nicegui import ui

from dashboard.health import HealthMonitor
from dashboard.live import listen_while_open


def health_badge(monitor: HealthMonitor) -> None:
    badge = ui.label().classes("px-2 py-1 rounded text-sm font-medium").props('data-testid="health"')

    def render() -> None:
        down = [f"{name}: {state}" for name, state in monitor.components.items() if state != "ok"]
        badge.text = "all systems ok" if not down else "DEGRADED — " + "; ".join(down)
        badge.classes(
            replace="px-2 py-1 rounded text-sm font-medium "
            + ("bg-green-700 text-white" if not down else "bg-red-600 text-white")
        )

    render()
    listen_while_open(monitor.listen, render)
