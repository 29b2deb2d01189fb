"""Cluster, config and keyboard strings as Textual/Rich objects that are never parsed as markup.

Textual parses a plain `str` as markup almost everywhere (Label, Static, border titles,
notifications, the command palette); a node called `[@click=screen.confirm]` would become a
button. Everything the console shows that did not come from its own source goes through here:
control characters escaped (tui.plaintext), then wrapped so no markup parser sees it.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from tui.plaintext import multi_line, one_line


def content(value: object) -> Content:
    """One safe line as Textual Content (labels, border titles, palette entries)."""
    return Content(one_line(value))


def block(value: object) -> Content:
    """Safe multi-line text (messages, command output) as Textual Content."""
    return Content(multi_line(value))


def text(value: object, style: str = "") -> Text:
    """One safe line as a rich Text (cells of rich tables, tree labels)."""
    return Text(one_line(value), style=style, end="")
