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

    def apply(self, diff: WallboardDiff) -> None:
        for row in diff.changed:
            self.rows[row["id"]] = row
        for call_id in diff.removed:
            self.rows.pop(call_id, None)
        self._run("apply", diff.json)

    def show(self, order: list[str]) -> None:
        if order != self.order:
            self.order = order
            self._run("show", json.dumps(order))

    @property
    def shown_rows(self) -> list[Row]:
        """The tiles on screen, in order."""
        return [self.rows[call_id] for call_id in self.order if call_id in self.rows]
