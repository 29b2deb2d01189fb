"""The Overview tab: crm_mon's one screen, with crm_mon's keys toggling its sections.

`Overview` holds the legend (which toggles are on, like crm_mon's header) and an
`OverviewView`, a line-API ScrollView that draws only the lines on screen, so a cluster of
thousands of nodes and resources costs a screenful per frame. The lines come from
tui.ui.widgets.overview_lines (pure): built there and then for a small cluster, in a worker
thread for a big one; a refresh that hands over the same snapshot with the same toggles
builds nothing, and lines equal to those shown leave the screen (and its scroll) alone.

The keys (overview_lines.KEYS) are bindings of `Overview`: they apply while the focus is
inside it (the main screen moves the focus there when the tab is shown); elsewhere the main
screen's own bindings for the same keys jump to their panes.
"""

from __future__ import annotations

import functools

from rich.segment import Segment
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from tui import loop_first
from tui.pacemaker.model import Snapshot
from tui.plaintext import one_line
from tui.ui.palette import Palette
from tui.ui.widgets import overview_lines
from tui.ui.widgets.overview_lines import KEYS, Line, Toggles


class OverviewView(ScrollView, can_focus=True):
    """Lines of (text, token) cells, drawn as segments (never markup), only those in view."""

    DEFAULT_CSS = """
    OverviewView { height: 1fr; background: $surface; }
    OverviewView:focus { background-tint: $foreground 3%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: tuple[Line, ...] = ()
        self._palette: Palette | None = None
        self.builds_shown = 0  # how many times new lines were put on screen (tests)

    def _theme_changed(self) -> None:
        self._palette = None
        self.refresh()

    def show_lines(self, lines: tuple[Line, ...], width: int) -> bool:
        """Put `lines` on screen; False (nothing touched) when they are those shown."""
        if lines == self.lines:
            return False
        self.lines = lines
        self.builds_shown += 1
        self.virtual_size = Size(width, len(lines))
        self.refresh()
        return True

    def text(self) -> str:
        """Every line as plain text (what the tests and a copy would read)."""
        return "\n".join("".join(text for text, _ in line) for line in self.lines)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if not 0 <= index < len(self.lines):
            return Strip.blank(width, base)
        if self._palette is None:
            self._palette = Palette(self.app.theme_variables)
        palette = self._palette
        # already one_line'd by the builder; once more costs a scan of what is on screen
        segments = [Segment(one_line(text, None), palette.style(token))
                    for text, token in self.lines[index] if text]
        return Strip(segments).apply_style(base).crop_extend(scroll_x, scroll_x + width, base)


class Overview(Vertical):
    """The legend over the view; `update_from` hands it the state to show."""

    DEFAULT_CSS = """
    Overview { height: 1fr; }
    Overview > #overview-legend { height: auto; background: $boost; }
    """
    BINDINGS = [Binding(key, f"toggle_section('{key}')", word.capitalize(), show=False)
                for key, _name, word in KEYS]

    class Toggled(Message):
        """A key changed the toggles (the main screen may say so)."""

        def __init__(self, toggles: Toggles) -> None:
            super().__init__()
            self.toggles = toggles

    def __init__(self, *, id: str | None = None, toggles: Toggles | None = None) -> None:
        super().__init__(id=id)
        self.toggles = toggles or Toggles()
        self._snap: Snapshot | None = None
        self._details = False
        self._needle = ""
        self._big = False
        self._key: tuple | None = None  # what the lines on screen (or being built) are of
        self.builds = 0  # lines built (tests: a refresh with nothing new builds none)

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self.repaint, init=False)

    def compose(self) -> ComposeResult:
        yield Static("", id="overview-legend")
        yield OverviewView(id="overview-view")

    @property
    def view(self) -> OverviewView:
        return self.query_one(OverviewView)

    def update_from(self, snap: Snapshot | None, *, details: bool = False, needle: str = "",
                    big: bool = False) -> None:
        """Show `snap` (unchanged snapshot and settings: nothing is built); a `big` cluster's
        lines are built in a worker thread, the last request superseding earlier ones."""
        self._snap, self._details, self._needle, self._big = snap, details, needle, big
        self._rebuild()

    def _rebuild(self) -> None:
        key = (self._snap, self.toggles, self._details, self._needle)
        self._legend()
        last = self._key
        # the same snapshot object (never compared field by field: that costs a big build)
        if last is not None and last[0] is key[0] and last[1:] == key[1:]:
            return
        self._key = key
        args = (self._snap, self.toggles, self._details, self._needle)
        if not self._big:
            self.workers.cancel_group(self, "overview")
            self.view.show_lines(*_built(*args))
            self.builds += 1
            return
        if not self.view.lines:
            self.view.show_lines(((("building the overview…", "muted"),),), 24)
        self.run_worker(functools.partial(self._build_off_loop, key, args), group="overview",
                        exclusive=True, exit_on_error=False, description="build the overview")

    async def _build_off_loop(self, key: tuple, args: tuple) -> None:
        lines, width = await loop_first.run(_built, *args)
        self.builds += 1
        if key is self._key and self.is_attached:  # else a newer request is under way
            self.view.show_lines(lines, width)

    def _legend(self) -> None:
        cells = overview_lines.legend(self.toggles)
        if self._needle:
            cells += (("filter “", "muted"), (one_line(self._needle, 40), "accent"), ("”", "muted"))
        legend = self.query_one("#overview-legend", Static)
        if getattr(legend, "_shown_cells", None) != cells:
            legend._shown_cells = cells  # type: ignore[attr-defined]
            text = Palette(self.app.theme_variables).line(cells)
            text.no_wrap = False  # a narrow terminal wraps it onto a second line
            legend.update(text)

    def action_toggle_section(self, key: str) -> None:
        self.toggles = overview_lines.toggled(self.toggles, key)
        self._rebuild()
        self.post_message(self.Toggled(self.toggles))

    def repaint(self) -> None:
        """The theme changed: the legend's colours too."""
        self.query_one("#overview-legend", Static)._shown_cells = None  # type: ignore[attr-defined]
        self._legend()
        self.view._theme_changed()


def _built(snap, toggles, details, needle) -> tuple[tuple[Line, ...], int]:
    lines = overview_lines.build(snap, toggles, details=details, needle=needle)
    return lines, overview_lines.width(lines)
