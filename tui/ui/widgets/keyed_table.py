"""A DataTable updated in place: rows keyed by name/id, only changed cells touched.

A refresh hands over the rows it wants; the table removes rows that went away, adds new ones
and calls update_cell for cells whose (text, token) changed, so the cursor and scroll position
stay put. Changed cells flash briefly.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from typing import Callable, Mapping

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.coordinate import Coordinate
from textual.css.styles import RenderStyles
from textual.dom import DOMNode
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowDoesNotExist, RowKey

from tui.ui import changeset
from tui.ui.changeset import Columns, TableChange
from tui.ui.palette import Palette
from tui.ui.present import Row
from tui.ui.widgets.one_line_cell import one_line_cell

FLASH_SECONDS = 1.5
SLICE_ROWS = 80  # rows touched per slice of a big change set (~12 ms)
_NOWHERE = Coordinate(-9, -9)  # a cursor on no row (-1 is the header's)
SLICE_PAUSE = 0.002  # seconds between two slices: keys, idle measuring and a frame go through


class _KeptRichStyle(RenderStyles):
    """A component's styles whose rich_style comes from its table's memo."""

    def __init__(self, styles: RenderStyles, rich_style: Callable[[DOMNode], Style]) -> None:
        super().__init__(styles.node, styles.base, styles.inline)
        self._kept = rich_style

    @property
    def rich_style(self) -> Style:
        return self._kept(self.node)


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
        self._version = 0
        self._row_widths: dict[str, tuple[int, ...]] = {}  # each row's cell widths
        self._width_counts: dict[str, Counter] = {}  # column -> {cell width: rows}
        self._unsorted = False  # rows were added and the table not yet sorted
        self._reselect: str | None = None  # the row selected before a rebuild began
        self._rich_styles: dict[DOMNode, tuple[list, list[int], Style]] = {}  # node -> (path, counts, style)

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

    @property
    def version(self) -> int:
        """Bumped by every change of the rows: a change set planned against an older version
        is planned again before it is applied."""
        return self._version

    def state(self) -> tuple[Columns, dict[str, Row], int]:
        """(columns, a copy of the rows, version): what a worker thread plans a change against."""
        return self._keyed_columns, dict(self._keyed_rows), self._version

    def plan(self, columns: Columns, rows: Mapping[str, Row]) -> TableChange:
        return changeset.plan(self._keyed_columns, self._keyed_rows, columns, rows, self._version)

    def sync(self, columns: tuple[tuple[str, str], ...], rows: Mapping[str, Row],
             *, flash: bool = True) -> None:
        self.apply(self.plan(columns, rows), flash=flash)

    def apply(self, change: TableChange, *, flash: bool = True, start: int = 0, stop: int | None = None) -> int:
        """Apply steps [start, stop) of `change` (all of them by default); returns the next
        step. Between two calls the table is whole: every applied row is in both the
        DataTable and the keyed rows, so a newer change may take over at any step."""
        if change.since != self._version:
            raise ValueError("change set planned against another version of the table")
        stop = change.steps if stop is None else min(stop, change.steps)
        palette = self.palette
        if change.rebuild:
            self._apply_rebuild(change, palette, start, stop)
        else:
            self._apply_steps(change, palette, flash, start, stop)
        self._version += 1
        return stop

    def _apply_rebuild(self, change: TableChange, palette: Palette, start: int, stop: int) -> None:
        if start == 0:
            self._reselect = self.selected_key()
            self.clear(columns=True)
            self._keyed_columns = change.columns
            self._keyed_rows = {}
            self._row_widths = {}
            self._width_counts = {key: Counter() for key, _ in change.columns}
            for key, label in change.columns:
                self.add_column(label, key=key)
            start = 1
        keys = list(change.rows)[start - 1:stop - 1] if stop > start else []
        below = self.row_count >= self.scroll_offset.y + self.size.height  # nothing added is shown
        count = self._update_count
        for key in keys:
            self._add(key, change.rows[key], palette)
        resized = self._fit_columns(set(range(len(change.columns)))) if keys else set()
        if keys and below and not resized:
            # rows appended under the shown ones change no shown line, but each add_row
            # bumps DataTable's update count, which renders every shown cell again (a
            # big table is filled in dozens of slices): keep the count, drop the row offsets
            self._update_count = count
            self._offset_cache.clear()
        if stop == change.steps:
            self.sync_count = len(change.rows)
            selected, self._reselect = self._reselect, None
            if selected in self._keyed_rows:
                self.move_cursor(row=self.get_row_index(selected), animate=False)

    def _apply_steps(self, change: TableChange, palette: Palette, flash: bool, start: int, stop: int) -> None:
        gone, changed, added = change.gone, change.changed, change.added
        widths_touched: set[int] = set()
        updates: list[tuple[str, str, Text]] = []
        for step in range(start, stop):
            if step < len(gone):
                key = gone[step]
                self._forget_widths(key)
                del self._keyed_rows[key]
                try:
                    self.remove_row(key)
                except RowDoesNotExist:
                    pass
                continue
            step -= len(gone)
            if step < len(changed):
                key, cells = changed[step]
                row = change.rows[key]
                self._keyed_rows[key] = row
                widths = list(self._row_widths[key])
                for index in cells:
                    col = change.columns[index][0]
                    text = palette.cell(row[index], flash=flash)
                    counts = self._width_counts[col]
                    counts[widths[index]] -= 1
                    widths[index] = cell_len(text.plain)
                    counts[widths[index]] += 1
                    widths_touched.add(index)
                    updates.append((key, col, text))
                self._row_widths[key] = tuple(widths)
                continue
            key = added[step - len(changed)]
            self._add(key, change.rows[key], palette)
            self._unsorted = True
        if start < len(gone) or stop > len(gone) + len(changed):  # rows went or came
            self._fit_columns(set(range(len(change.columns))))
        if updates:
            self._update_cells(updates, refit=widths_touched)
            if flash:
                self._flash([(key, col) for key, col, _ in updates])
        if self._unsorted and stop == change.steps and len(self._keyed_rows) > 1:
            # keep rows ordered by their first column (node name, time, ...)
            self.sort(key=lambda values: values[0].plain if hasattr(values[0], "plain") else str(values[0]))
            self._unsorted = False
        if stop == change.steps:
            self.sync_count = change.steps
            selected, self._reselect = self._reselect, None  # a rebuild cut short by this change
            if selected in self._keyed_rows:
                self.move_cursor(row=self.get_row_index(selected), animate=False)

    def _add(self, key: str, row: Row, palette: Palette) -> None:
        texts = [palette.cell(c) for c in row]
        widths = tuple(cell_len(t.plain) for t in texts)
        for (col, _), width in zip(self._keyed_columns, widths):
            self._width_counts[col][width] += 1
        self._keyed_rows[key] = row
        self._row_widths[key] = widths
        self.add_row(*texts, key=key)
        # DataTable would measure each cell of a new row again when idle, through Rich
        # (~40 ms a slice of 150 rows): its widths are counted here, and the columns fitted
        # from the counts by the caller (a one-line row of height 1 needs nothing else)
        self._new_rows.discard(RowKey(key))

    def _forget_widths(self, key: str) -> None:
        for (col, _), width in zip(self._keyed_columns, self._row_widths.pop(key, ())):
            self._width_counts[col][width] -= 1

    def _update_cells(self, updates: list[tuple[str, str, Text]], refit: set[int] = frozenset()) -> None:
        """DataTable.update_cell for each (row, column, text), then the column widths.

        update_cell bumps DataTable's _update_count, which drops the render cache of every
        cell: each visible cell is rendered again (~0.3 ms a cell). Only the changed rows'
        cache entries are dropped instead, and when a column's width changes its cells too,
        with every composed line (textual 8.2.8 internals: the version is pinned exactly)."""
        for key, col, text in updates:
            try:
                self._data[RowKey(key)][ColumnKey(col)] = text
            except KeyError:
                pass
        self._forget_rendered({RowKey(key) for key, _, _ in updates}, self._fit_columns(refit))
        self.refresh()

    def _forget_rendered(self, row_keys: set, resized: set[ColumnKey] = frozenset()) -> None:
        """Drop the cached renderings of these rows; a rendered cell does not depend on the
        other columns' widths, so after a resize only the resized columns' cells go, and
        the lines composed from cells at the old widths."""
        indexes = {self._row_locations.get(k) for k in row_keys}
        if resized:
            self._row_render_cache.clear()
            self._line_cache.clear()
            for cached in [k for k in self._cell_render_cache.keys() if k[0] in row_keys or k[1] in resized]:
                self._cell_render_cache.discard(cached)
            caches = ((self._row_renderable_cache, 1, indexes),)
        else:
            first = self.header_height if self.show_header else 0
            lines = {first + y for y, (k, _) in enumerate(self._y_offsets) if k in row_keys}
            caches = ((self._cell_render_cache, 0, row_keys), (self._row_render_cache, 0, row_keys),
                      (self._row_renderable_cache, 1, indexes), (self._line_cache, 0, lines))
        for cache, position, wanted in caches:
            for cached in [k for k in cache.keys() if k[position] in wanted]:
                cache.discard(cached)

    @property
    def rich_style(self) -> Style:
        return self._kept_rich_style(self)

    def get_component_styles(self, *names: str) -> RenderStyles:
        return _KeptRichStyle(super().get_component_styles(*names), self._kept_rich_style)

    def _kept_rich_style(self, node: DOMNode) -> Style:
        """node.rich_style (the table or a component of it), made again only when a style on
        its path up to the App changed: DataTable asks for three of them on every line it
        renders, and each walks that path (~50-90 us)."""
        path = [n.styles for n in node.ancestors_with_self]
        counts = [styles._cache_key for styles in path]
        kept = self._rich_styles.get(node)
        if kept is not None and kept[1] == counts and all(a is b for a, b in zip(kept[0], path)):
            return kept[2]
        if len(self._rich_styles) > 16:  # a restyle makes new component nodes
            self._rich_styles.clear()
        style = DOMNode.rich_style.fget(node)
        self._rich_styles[node] = (path, counts, style)
        return style

    def _render_cell(self, row_index, column_index, base_style, width, cursor=False, hover=False):
        """DataTable's `_render_cell`, with one_line_cell for a one-line Text that fits (the
        cache and its key are DataTable's: textual 8.2.8 internals, the version is pinned)."""
        header = row_index == -1
        row_key = self._header_row_key if header else self._row_locations.get_key(row_index)
        key = (row_key, self._column_locations.get_key(column_index), base_style, cursor, hover,
               self._show_hover_cursor, self._update_count, self._pseudo_class_state)
        lines = self._cell_render_cache.get(key)
        if lines is None and column_index >= 0 and self._one_line(row_key, header):
            fixed = not header and (row_index < self.fixed_rows or column_index < self.fixed_columns)
            component, post = self._get_styles_to_render_cell(
                header, False, fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
                self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
            pre = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component
            cell = self._get_row_renderables(row_index)[1][column_index]
            lines = one_line_cell(self.app.console, cell, width, self.cell_padding, pre, post)
            if lines is not None:
                self._cell_render_cache[key] = lines
        if lines is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        return lines

    def _one_line(self, row_key: RowKey, header: bool) -> bool:
        if header:
            return self.header_height == 1
        row = self.rows[row_key]
        return row.height == 1 and not row.auto_height

    def _render_line_in_row(self, row_key, line_no, base_style, cursor_location, hover_location):
        # DataTable keys a row's rendering by the cursor's coordinate, so a cursor move renders
        # every visible row again; with a row cursor only "is it on this row" matters
        row = self._row_locations.get(row_key) if self.cursor_type == "row" else None
        if row is not None:  # (the header row keeps both)
            if cursor_location.row != row:
                cursor_location = _NOWHERE
            if hover_location.row != row:
                hover_location = _NOWHERE
        return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)

    def _fit_columns(self, indexes: set[int]) -> set[ColumnKey]:
        """A changed cell may widen or narrow its column (e.g. "online" -> "OFFLINE"): the
        width is the widest cell or the label, as DataTable's update_width would make it, but
        from counted widths: DataTable measures every cell of the column again (2,000 rows:
        ~0.3 s per changed cell). Returns the columns whose width changed."""
        resized: set[ColumnKey] = set()
        for index in indexes:
            col = self._keyed_columns[index][0]
            column = self.columns.get(ColumnKey(col))
            if column is None:
                continue
            counts = self._width_counts[col]
            widest = max((w for w, n in counts.items() if n > 0), default=0)
            width = max(widest, cell_len(column.label.plain))
            if width != column.content_width:
                column.content_width = width
                self._require_update_dimensions = True
                resized.add(column.key)
        return resized

    async def apply_sliced(self, change: TableChange, *, flash: bool = True, rows_per_slice: int = SLICE_ROWS,
                           pause: float = SLICE_PAUSE) -> None:
        """Apply a change set a slice of rows at a time, yielding to the event loop between
        slices (keys and frames go through); a change planned against an older version of
        the table is planned again. Cancelled between slices, the table stays whole."""
        if change.since != self._version:
            change = self.plan(change.columns, change.rows)
        step = 0
        while True:
            stop = step + rows_per_slice
            if step < len(change.gone):  # each removal renumbers every row: fewer to a slice
                stop = min(stop, step + max(1, changeset.REMOVAL_MOVES // max(1, self.row_count)))
            step = self.apply(change, flash=flash, start=step, stop=stop)
            if step >= change.steps:
                return
            change = dataclasses.replace(change, since=self._version)
            await asyncio.sleep(pause)
            if change.since != self._version:  # someone else changed the table meanwhile
                change, step = self.plan(change.columns, change.rows), 0

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

    def _flash(self, cells: list[tuple[str, str]]) -> None:
        # one timer for the cells of one apply: each unflash re-renders what it touches
        self._flashing.update(cells)
        self.set_timer(FLASH_SECONDS, lambda: self._unflash(cells))

    def _unflash(self, cells: list[tuple[str, str]]) -> None:
        columns = {c: i for i, (c, _) in enumerate(self._keyed_columns)}
        updates = []
        for key, col in cells:
            self._flashing.discard((key, col))
            row, index = self._keyed_rows.get(key), columns.get(col)
            if row is not None and index is not None:
                updates.append((key, col, self.palette.cell(row[index])))
        if updates:
            self._update_cells(updates)
