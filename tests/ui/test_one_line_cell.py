"""one_line_cell makes exactly the segments DataTable's generic cell rendering makes, and
KeyedTable's cells (header, pinned column, cursor, hover) and its kept rich styles come out
as DataTable's own."""

from __future__ import annotations

import random

from rich.console import Console
from rich.padding import Padding
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.renderables.styled import Styled
from textual.widgets import DataTable

from tests.ui.helpers import until
from tui.ui.widgets.keyed_table import KeyedTable
from tui.ui.widgets.one_line_cell import one_line_cell

PIECES = ["a", "node-1", " ", "é", "中文", "🙂", "x" * 9, "", "(UNCLEAN)", "[b]not markup[/b]"]
STYLES = ["bold", "#ff0000", "italic on #202020", "underline #00ff00 on #000000", "", "dim reverse"]


def random_text(rng: random.Random) -> Text:
    text = Text(style=rng.choice(STYLES), end=rng.choice(["", "\n"]), no_wrap=rng.random() < 0.5)
    for _ in range(rng.randrange(0, 4)):
        text.append(rng.choice(PIECES), style=rng.choice(STYLES) or None)
    return text


def generic(console: Console, cell: Text, width: int, padding: int, pre: Style, post: Style) -> list:
    """What DataTable._render_cell does for a one-line row."""
    options = console.options.update_dimensions(width, 1).update(no_wrap=True)
    return console.render_lines(Styled(Padding(cell, (0, padding)), pre_style=pre, post_style=post), options)


def test_one_line_cells_are_the_segments_rich_makes():
    console = Console(width=200, color_system="truecolor", force_terminal=True)
    rng = random.Random(7)
    made = declined = 0
    for _ in range(3000):
        cell, padding = random_text(rng), rng.randrange(0, 3)
        width = cell.cell_len + 2 * padding + rng.randrange(-2, 4)
        pre = Style.parse(rng.choice(STYLES) or "none") + Style.from_meta({"row": 3, "column": 1})
        post = Style.parse(rng.choice(STYLES) or "none")
        lines = one_line_cell(console, cell, width, padding, pre, post)
        if lines is None:
            declined += 1
            assert cell.cell_len > width - 2 * padding or width - 2 * padding < 1
            continue
        made += 1
        assert lines == generic(console, cell, width, padding, pre, post), (cell, width, padding)
    assert made > 1500 and declined > 300


def test_what_one_line_cell_leaves_to_rich():
    console = Console(width=80)
    plain = Style()
    assert one_line_cell(console, Text("two\nlines"), 20, 1, plain, plain) is None
    assert one_line_cell(console, Text("a\ttab"), 20, 1, plain, plain) is None
    assert one_line_cell(console, Text("right", justify="right"), 20, 1, plain, plain) is None
    assert one_line_cell(console, "a str", 20, 1, plain, plain) is None
    assert one_line_cell(console, Text("too wide"), 9, 1, plain, plain) is None
    assert one_line_cell(console, Text("fits"), 6, 1, plain, plain) is not None


class Table(App):
    CSS = "KeyedTable { height: 30; }"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield KeyedTable(id="t", pinned=1)


async def test_keyed_table_cells_are_datatable_s_own():
    rng = random.Random(11)
    columns = (("name", "Name"), ("state", "State"), ("note", "Note 中"))
    rows = {f"r{i:02d}": tuple((random_text(rng).plain, rng.choice([None, "danger", "warning", "ok"]))
                               for _ in columns) for i in range(40)}
    app = Table()
    async with app.run_test(size=(100, 40)) as pilot:
        table = app.query_one(KeyedTable)
        table.sync(columns, rows, flash=False)
        await until(pilot, lambda: table.row_count == 40)
        table.show_cursor = True
        table.move_cursor(row=4)
        await pilot.pause()
        compared = 0
        for row_index in range(-1, 12):
            for column_index, column in enumerate(table.ordered_columns):
                for cursor, hover in ((False, False), (True, False), (False, True), (True, True)):
                    for base in (table.rich_style, Style(bgcolor="#101010")):
                        args = (row_index, column_index, base, column.get_render_width(table), cursor, hover)
                        table._cell_render_cache.clear()
                        ours = table._render_cell(*args)
                        table._cell_render_cache.clear()
                        assert ours == DataTable._render_cell(table, *args), args
                        compared += 1
        assert compared == 13 * 3 * 4 * 2


async def test_kept_rich_styles_follow_every_style_change_on_the_way_up():
    app = Table()
    async with app.run_test(size=(100, 40)) as pilot:
        table = app.query_one(KeyedTable)

        def fresh() -> list[Style]:
            components = [table._component_styles[name].node for name in ("datatable--header", "datatable--fixed")]
            return [DOMNode.rich_style.fget(node) for node in (table, *components)]

        def kept() -> list[Style]:
            return [table.rich_style, *(table.get_component_styles(name).rich_style
                                        for name in ("datatable--header", "datatable--fixed"))]

        seen = [kept()]
        assert seen[-1] == fresh()
        for change in (lambda: setattr(app.query_one(Vertical).styles, "text_style", "italic"),
                       lambda: setattr(table.styles, "color", "#10ff10"),
                       lambda: setattr(app, "theme", "textual-light"),
                       lambda: app.screen.set_class(True, "-dimmed"),
                       lambda: app.set_focus(None), table.focus):  # focus tints the table
            change()
            await pilot.pause()
            seen.append(kept())
            assert seen[-1] == fresh()
        assert len({str(styles[0]) for styles in seen[:4]}) == 4  # each change changed the table's style
