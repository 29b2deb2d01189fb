"""What a keyed table must do to go from the rows it shows to the rows wanted, as plain data.

Pure (no widgets): a big table's change set is planned in a worker thread and applied to
the DataTable on the event loop in slices (tui.ui.widgets.keyed_table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from tui.loop_first import pause
from tui.ui.present import Row

Columns = tuple[tuple[str, str], ...]
# DataTable.remove_row renumbers every row of the table (~0.85 us a row: 1.7 ms a removal at
# 2,000 rows) where adding a row costs ~75 us. Removals that would move more rows than
# ROW_MOVES_PER_ADD per row wanted, and more than a slice's REMOVAL_MOVES, are planned as a
# rebuild instead: the table cleared and filled anew (a filter keeping 100 of 2,000 rows:
# 1,900 removals, ~1.7 s of loop time, 135 ms a slice of 80, against 7 ms to fill 100 rows).
ROW_MOVES_PER_ADD = 100
REMOVAL_MOVES = 20_000  # rows renumbered by the removals of one slice (~17 ms)


@dataclass(frozen=True, slots=True)
class TableChange:
    """From the rows of table version `since` to `rows` under `columns`.

    rebuild: every row is added anew (gone/added/changed unused): the columns differ, or
    removing the rows that went would cost more than filling the table again.
    changed: (key, indexes of the cells that differ) for rows in both."""

    columns: Columns
    rows: Mapping[str, Row]
    since: int
    rebuild: bool = False
    gone: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    changed: tuple[tuple[str, tuple[int, ...]], ...] = ()

    @property
    def steps(self) -> int:
        """Rows to touch (a slice is a number of these)."""
        if self.rebuild:
            return len(self.rows) + 1
        return len(self.gone) + len(self.changed) + len(self.added)


def plan(columns_now: Columns, rows_now: Mapping[str, Row], columns: Columns, rows: Mapping[str, Row],
         since: int = 0) -> TableChange:
    if columns != columns_now:
        return TableChange(columns, rows, since, rebuild=True)
    gone = tuple(key for key in rows_now if key not in rows)
    moves = len(gone) * len(rows_now)
    if moves > REMOVAL_MOVES and moves > ROW_MOVES_PER_ADD * len(rows):
        return TableChange(columns, rows, since, rebuild=True)
    added: list[str] = []
    changed: list[tuple[str, tuple[int, ...]]] = []
    for key, row in rows.items():
        pause()
        old = rows_now.get(key)
        if old is None:
            added.append(key)
        elif old != row:
            changed.append((key, tuple(i for i, (a, b) in enumerate(zip(old, row)) if a != b)))
    return TableChange(columns, rows, since, gone=gone, added=tuple(added), changed=tuple(changed))
