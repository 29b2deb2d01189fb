"""A full-screen read-only text view: a log record's whole output."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, RichLog

from tui.plaintext import multi_line
from tui.ui import literal


class TextView(ModalScreen[None]):
    DEFAULT_CSS = """
    TextView { align: center middle; }
    TextView RichLog { width: 95%; height: 90%; border: round $primary; background: $surface; }
    """
    BINDINGS = [Binding("escape,q,enter", "close", "Close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        log = RichLog(wrap=False, markup=False, highlight=False, auto_scroll=False)
        log.border_title = literal.content(self.title_text)
        yield log
        yield Footer()

    def on_mount(self) -> None:
        log = self.query_one(RichLog)
        log.write(multi_line(self.text))  # markup=False above: literal, controls escaped
        log.scroll_home(animate=False)
        log.focus()

    def action_close(self) -> None:
        self.dismiss(None)
