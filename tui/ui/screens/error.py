"""An unexpected error inside the console: one line and where the crash file is; the app lives on."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from tui.ui import literal


class InternalError(ModalScreen[None]):
    DEFAULT_CSS = """
    InternalError { align: center middle; }
    InternalError > Vertical {
        width: 90%; max-width: 110; height: auto;
        border: thick $error; background: $surface; padding: 1 2;
    }
    InternalError #where { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [Binding("escape,enter,q", "close", "Close")]

    def __init__(self, line: str, where: str) -> None:
        super().__init__()
        self.line = line
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Internal error"
            yield Label(literal.content(self.line), id="line")
            yield Label(literal.content(self.where), id="where")

    def action_close(self) -> None:
        self.dismiss(None)
