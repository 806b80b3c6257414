"""The wallboard's grid as ONE element: tiles are rendered in the browser from
row data (`call_grid.js`), so a page costs the server one element however
many calls are live, and an update is one message per tick, not one element
update per changed label per tile."""

from __future__ import annotations

import json

from nicegui import ui

from dashboard.wallboard_model import Row, WallboardDiff


class CallGrid(ui.element, component="call_grid.js"):
    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, Row] = {}
        """The rows as the browser holds them (shared dicts, not copies)."""
        self.order: list[str] = []
        """The ids the page shows, in order, as last sent."""

    def _run(self, method: str, args_json: str) -> None:
        # `run_method` would serialise the arguments again for every page; the diff's
        # JSON is built once per tick and shared.
        self.client.run_javascript(f"return runMethod({self.id}, {json.dumps(method)}, [{args_json}])")

    def start(self, rows: list[Row]) -> None:
        """Everything shown so far; diffs sent after this build on it."""
        self.rows = {row["id"]: row for row in rows}
        self._run("apply", json.dumps({"reset": True, "rows": rows, "removed": []}))

    def send_tick(self, diff: WallboardDiff | None, order: list[str], order_json: str | None = None) -> None:
        """One message: the tick's changed rows (if any) and the order (if it changed).
        `order_json` is `order` already serialised, when shared with other pages."""
        if diff is not None:
            for row in diff.changed:
                self.rows[row["id"]] = row
            for call_id in diff.removed:
                self.rows.pop(call_id, None)
        moved = order != self.order
        if diff is None and not moved:
            return
        if moved:
            self.order = order
        order_arg = (order_json or json.dumps(order)) if moved else "null"
        self._run("tick", f"{diff.json if diff else 'null'}, {order_arg}")

    @property
    def shown_rows(self) -> list[Row]:
        """The tiles on screen, in order."""
        return [self.rows[call_id] for call_id in self.order if call_id in self.rows]
