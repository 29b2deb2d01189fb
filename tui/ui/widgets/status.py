"""The status line under the header, and the banners for conditions that need eyes now."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from tui.plaintext import one_line
from tui.ui.palette import Palette
from tui.ui.present import Banner, Cell


class StatusLine(Widget):
    """One fixed-height line; repainted without a layout pass (that would redo every pane)."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; background: $panel; }
    StatusLine.-stale { background: $warning 40%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()

    def render(self) -> Text:
        return self._text

    def show(self, parts: list[Cell], freshness: str, stale: bool, labels: list[str]) -> None:
        # labels and freshness first: on a narrow terminal the tail is what gets cut
        palette = Palette(self.app.theme_variables)
        text = Text(no_wrap=True, end="")
        for label in labels:
            text.append(f" {label} ", "bold reverse")
            text.append(" ")
        text.append(one_line(freshness), "bold" if stale else "")  # carries error text
        text.append(" │ ", "dim")
        text.append_text(palette.line(tuple(parts)))
        self.set_class(stale, "-stale")
        if text != self._text:
            self._text = text
            self.refresh()


class BannerBar(Vertical):
    """One line per banner; repainted only when the set of banners changes.

    The lines are a pool of id-less Statics updated in place (extra ones hidden): mounting a
    widget with a fixed id while the old one is still being removed raised DuplicateIds and
    ended the app whenever a banner's text changed (the demo did, after 80 s).
    """

    DEFAULT_CSS = """
    BannerBar { height: auto; }
    BannerBar > .banner { height: 1; padding: 0 1; text-style: bold; }
    BannerBar > .critical { background: $banner-critical; color: $banner-critical-text; }
    BannerBar > .warning { background: $banner-warning; color: $banner-warning-text; }
    """
    MARKS = {"critical": "!!", "warning": "! "}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.current: tuple[Banner, ...] = ()
        self._lines: list[Static] = []

    def show(self, banners: list[Banner]) -> None:
        banners_t = tuple(banners)
        if banners_t == self.current:
            return
        self.current = banners_t
        while len(self._lines) < len(banners_t):
            line = Static("", classes="banner", markup=False)
            self._lines.append(line)
            self.mount(line)
        for line, banner in zip(self._lines, banners_t):
            line.update(Text(f"{self.MARKS.get(banner.level, '  ')} {one_line(banner.text)}",
                             no_wrap=True, overflow="ellipsis", end=""))
            line.set_class(banner.level == "critical", "critical")
            line.set_class(banner.level == "warning", "warning")
            line.display = True
        for line in self._lines[len(banners_t):]:
            line.display = False

    def texts(self) -> list[str]:
        """The banner lines as shown (for tests)."""
        return [str(line.render()) for line in self._lines if line.display]
