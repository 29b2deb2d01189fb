"""A DataTable cell rendered the way DataTable renders it, without Rich's generic pipeline.

DataTable renders each cell as `Styled(Padding(cell, (0, padding)), pre, post)` through
`Console.render_lines`: about 150 us a cell here (two levels of line splitting and cropping,
Padding, Text wrapping), ~45 ms for a screen of 36 rows x 8 cells. Nearly every cell of
ours is a one-line Text that fits its column; for that cell the same segments are made
directly (~20 us). Anything else (a newline or tab, a justified Text, a cell wider than its
column, not a Text) is None: the caller renders it the generic way.
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

_JOINER = Text("")  # Rich's own wrapping ends by joining the lines: the Text's style becomes a span


def one_line_cell(console: Console, cell: object, width: int, padding: int, pre: Style,
                  post: Style) -> list[list[Segment]] | None:
    """The cell's lines (one line of `width` cells) as DataTable's `_render_cell` makes them
    for a row of height 1 (the same segments, styles and meta), or None when the cell is not
    a plain one-line Text that fits."""
    if type(cell) is not Text or cell.justify not in (None, "default"):
        return None
    inner = width - 2 * padding
    plain = cell.plain
    if inner < 1 or "\n" in plain or "\t" in plain or cell.cell_len > inner:
        return None
    gap = " " * padding
    line = [Segment(gap)] if padding else []
    line.extend(_JOINER.join((cell,)).render(console))
    if inner > cell.cell_len:
        line.append(Segment(" " * (inner - cell.cell_len)))
    if padding:
        line.append(Segment(gap))
    return [list(Segment.apply_style(line, pre, post))]
