"""Tables whose first column is an id a person copies into the next command.

The id column is never shortened: it is as wide as the longest id (folded
onto a second line only when the id alone is wider than the terminal). The
other columns share what is left; those that do not fit at their smallest
useful width are left out, least useful first, and the caption says which
(``--json`` has everything).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

COLUMN_COST = 3
"""A column's share of the borders and padding around it (rich's default box: ``│ x │``)."""


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    min_width: int
    keep: int
    """Lower is kept longer when the terminal is narrow."""
    justify: str = "left"
    wraps: bool = False
    """Free text (a transcript line): wrapped onto more lines rather than cut."""


def columns_that_fit(columns: Sequence[Column], id_width: int, width: int) -> list[Column]:
    """The columns (in their own order) that fit beside an id of `id_width` in `width`."""
    used = 1 + COLUMN_COST + id_width
    kept: set[str] = set()
    for column in sorted(columns, key=lambda c: c.keep):
        if used + COLUMN_COST + _smallest(column) <= width:
            kept.add(column.name)
            used += COLUMN_COST + _smallest(column)
    return [c for c in columns if c.name in kept]


def id_table(
    id_header: str,
    columns: Sequence[Column],
    rows: Sequence[tuple[str, Mapping[str, RenderableType]]],
    width: int,
) -> Table:
    """A table of `rows` (id, values by column name) fitted to a terminal `width` wide.

    Every width is set here rather than left to rich, which shrinks all
    columns alike (the id too) when a table is too wide."""
    id_width = max([len(id_header), *(len(call_id) for call_id, _ in rows)])
    id_width = min(id_width, width - 1 - COLUMN_COST)  # folded, never cut, when wider than the screen
    shown = columns_that_fit(columns, id_width, width)
    widths = {c.name: _smallest(c) for c in shown}
    spare = width - 1 - COLUMN_COST * (len(shown) + 1) - id_width - sum(widths.values())
    for column in sorted(shown, key=lambda c: c.keep):  # up to each column's longest value
        wanted = max([0, *(_natural(values.get(column.name, "")) for _, values in rows)])
        extra = max(0, min(spare, wanted - widths[column.name]))
        widths[column.name] += extra
        spare -= extra
    for column in shown:  # what is still left goes to free text, which would wrap less
        if column.wraps and spare > 0:
            widths[column.name] += spare
            spare = 0
    left_out = [c.name for c in columns if c not in shown]
    table = Table(
        box=box.HEAVY_HEAD,
        caption=f"not shown at this width: {', '.join(left_out)} (see --json)" if left_out else None,
    )
    table.add_column(id_header, width=id_width, overflow="fold")
    for column in shown:
        table.add_column(
            column.name,
            justify=column.justify,  # type: ignore[arg-type]  # one of rich's JustifyMethod names
            overflow="fold" if column.wraps else "ellipsis",
            no_wrap=not column.wraps,
            width=widths[column.name],
        )
    for call_id, values in rows:
        table.add_row(call_id, *(values.get(c.name, "") for c in shown))
    return table


def _smallest(column: Column) -> int:
    return max(column.min_width, len(column.name))


def _natural(value: RenderableType) -> int:
    text = value.plain if isinstance(value, Text) else str(value)
    return max((cell_len(line) for line in text.splitlines()), default=0)
