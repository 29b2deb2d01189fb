"""A DataTable updated in place: rows keyed by name/id, only changed cells touched.

A refresh hands over the rows it wants; the table removes rows that went away, adds new ones
and calls update_cell for cells whose (text, token) changed, so the cursor and scroll position
stay put. Changed cells flash briefly.
"""

from __future__ import annotations

from typing import Callable, Mapping

from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from tui.ui.palette import Palette
from tui.ui.present import Row

FLASH_SECONDS = 1.5


class KeyedTable(DataTable):
    DEFAULT_CSS = """
    KeyedTable { height: auto; max-height: 100%; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None,
                 palette: Callable[[], Palette] | None = None, pinned: int = 1) -> None:
        # the first column names the row (node, resource, time): it stays put when a narrow
        # terminal scrolls the others sideways (node panes pin their state word too)
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=False,
                         fixed_columns=pinned)
        self.show_cursor = False
        self._keyed_columns: tuple[tuple[str, str], ...] = ()
        self._keyed_rows: dict[str, Row] = {}
        self._flashing: set[tuple[str, str]] = set()
        self._palette_source = palette
        self.sync_count = 0  # rows touched by the last sync, for tests and the bench

    @property
    def palette(self) -> Palette:
        if self._palette_source is not None:
            return self._palette_source()
        return Palette(self.app.theme_variables)

    @property
    def row_keys(self) -> list[str]:
        """Keys in display order."""
        locations = self._row_locations
        return [key.value for key in sorted(locations, key=locations.get)]

    def row_data(self, key: str) -> Row | None:
        return self._keyed_rows.get(key)

    def selected_key(self) -> str | None:
        if not self._keyed_rows or self.row_count == 0:
            return None
        try:
            cell = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return cell.row_key.value

    def sync(self, columns: tuple[tuple[str, str], ...], rows: Mapping[str, Row],
             *, flash: bool = True) -> None:
        palette = self.palette
        if columns != self._keyed_columns:
            self._rebuild(columns, rows, palette)
            return
        touched = 0
        gone = [key for key in self._keyed_rows if key not in rows]
        for key in gone:
            del self._keyed_rows[key]
            try:
                self.remove_row(key)
            except RowDoesNotExist:
                pass
            touched += 1
        added = False
        for key, row in rows.items():
            old = self._keyed_rows.get(key)
            if old is None:
                self._keyed_rows[key] = row
                self.add_row(*(palette.cell(c) for c in row), key=key)
                touched += 1
                added = True
            elif old != row:
                self._keyed_rows[key] = row
                touched += 1
                for (col, _), before, after in zip(columns, old, row):
                    if before != after:
                        # a longer word ("online" -> "OFFLINE") must widen its column
                        self.update_cell(key, col, palette.cell(after, flash=flash), update_width=True)
                        if flash:
                            self._flash(key, col)
        if added and len(rows) > 1:
            # keep rows ordered by their first column (node name, time, ...)
            self.sort(key=lambda values: values[0].plain if hasattr(values[0], "plain") else str(values[0]))
        self.sync_count = touched

    def _rebuild(self, columns, rows: Mapping[str, Row], palette: Palette) -> None:
        selected = self.selected_key()
        self.clear(columns=True)
        self._keyed_columns = columns
        self._keyed_rows = dict(rows)
        for key, label in columns:
            self.add_column(label, key=key)
        for key, row in rows.items():
            self.add_row(*(palette.cell(c) for c in row), key=key)
        self.sync_count = len(rows)
        if selected in self._keyed_rows:
            self.move_cursor(row=self.get_row_index(selected), animate=False)

    def repaint(self) -> None:
        """Re-render every cell (after a theme change)."""
        columns, rows = self._keyed_columns, dict(self._keyed_rows)
        self._keyed_columns = ()
        self.sync(columns, rows, flash=False)

    # only the focused table shows its cursor: one visible selection at a time
    def on_focus(self) -> None:
        self.show_cursor = True

    def on_blur(self) -> None:
        self.show_cursor = False

    async def _on_idle(self, _event) -> None:
        # DataTable widens columns on idle (after rows arrive) but keeps rows it rendered
        # before at the old width (textual 8.2.8); re-render once after it has measured.
        # Runs before DataTable's own idle handler (MRO order), so schedule, don't act.
        if self._require_update_dimensions or self._updated_cells:
            self.call_next(self._widths_changed, self._widths())

    def _widths(self) -> tuple[int, ...]:
        return tuple(column.content_width for column in self.ordered_columns)

    def _widths_changed(self, before: tuple[int, ...]) -> None:
        if self._widths() != before:  # re-rendering every row costs; only when needed
            self._update_count += 1
            self.refresh()

    def _flash(self, key: str, col: str) -> None:
        self._flashing.add((key, col))
        self.set_timer(FLASH_SECONDS, lambda: self._unflash(key, col))

    def _unflash(self, key: str, col: str) -> None:
        self._flashing.discard((key, col))
        row = self._keyed_rows.get(key)
        if row is None:
            return
        index = next((i for i, (c, _) in enumerate(self._keyed_columns) if c == col), None)
        if index is None:
            return
        try:
            self.update_cell(key, col, self.palette.cell(row[index]))
        except CellDoesNotExist:
            pass
