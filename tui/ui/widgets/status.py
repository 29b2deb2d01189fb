"""The status line under the header, and the banners for conditions that need eyes now."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

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
        text.append(freshness, "bold" if stale else "")
        text.append(" │ ", "dim")
        text.append_text(palette.line(tuple(parts)))
        self.set_class(stale, "-stale")
        if text != self._text:
            self._text = text
            self.refresh()


class BannerBar(Vertical):
    """One line per banner; rebuilt only when the set of banners changes."""

    DEFAULT_CSS = """
    BannerBar { height: auto; }
    BannerBar > .banner { height: 1; padding: 0 1; text-style: bold; }
    BannerBar > .critical { background: $banner-critical; color: $banner-critical-text; }
    BannerBar > .warning { background: $banner-warning; color: $banner-warning-text; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.current: tuple[Banner, ...] = ()

    def show(self, banners: list[Banner]) -> None:
        banners_t = tuple(banners)
        if banners_t == self.current:
            return
        self.current = banners_t
        self.remove_children()
        marks = {"critical": "!!", "warning": "! "}
        self.mount_all(
            Static(Text(f"{marks.get(b.level, '  ')} {b.text}"),
                   classes=f"banner {b.level}", id=f"banner-{b.key}")
            for b in banners
        )
