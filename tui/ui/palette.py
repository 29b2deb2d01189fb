"""Style tokens (from tui.ui.present) -> Rich styles from the active theme's variables.

Every cell and line is built as a rich Text (never markup) from tui.plaintext.one_line.
"""

from __future__ import annotations

from typing import Mapping

from rich.style import Style
from rich.text import Text

from tui.plaintext import one_line
from tui.ui.present import Cell, Row


class Palette:
    def __init__(self, variables: Mapping[str, str]) -> None:
        self._vars = variables
        self._cache: dict[str | None, Style] = {}

    def style(self, token: str | None) -> Style:
        if token in self._cache:
            return self._cache[token]
        v = self._vars
        if token is None:
            style = Style()
        elif token in ("node-name", "resource-id", "title"):
            style = Style(bold=True)
        elif token == "muted":
            style = Style(dim=True)
        elif token == "accent":
            style = Style.parse(f"bold {v.get('accent', 'yellow')}")
        else:
            colour = v.get(token)
            style = Style.parse(f"bold {colour}") if colour else Style(bold=True)
        self._cache[token] = style
        return style

    def flash(self) -> Style:
        return Style.parse(f"on {self._vars.get('flash', 'blue')}")

    def cell(self, cell: Cell, flash: bool = False) -> Text:
        text, token = cell
        style = self.style(token)
        if flash:
            style = style + self.flash()
        return Text(one_line(text), style=style, no_wrap=True, end="")

    def line(self, row: Row) -> Text:
        out = Text(no_wrap=True, end="")
        for text, token in row:
            out.append(one_line(text), self.style(token))
        return out
