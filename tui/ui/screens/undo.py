"""Offer the undo of a failed or cancelled plan: exactly the undo commands, newest first."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tui.ops import render
from tui.ui import literal


def later_hint(run_id: str) -> str:
    """How to look at (and undo) the run later, from a shell."""
    return f"run id {run_id}: `pcmk-console runs {run_id}` shows what ran"


def undo_rows(result: Any, default_host: str | None) -> list[str]:
    """One line per undo that would run, in the order it would run (newest first)."""
    by_id = {o.step.id: o for o in result.outcomes}
    numbers = {s.id: n for n, s in enumerate(result.plan.steps, 1)}
    rows = []
    for step_id in result.undo_offered:
        outcome = by_id[step_id]
        step = outcome.step
        where = outcome.host or step.host or default_host or "a cluster node"
        rows.append(f"{numbers.get(step_id, '?')}. {step.title}")
        rows.append(f"   [{where}] {render.undo_text(step) or '(no undo)'}")
    return rows


def undo_text(result: Any, default_host: str | None) -> Text:
    rows = [literal.text(row, "" if row.startswith("   ") else "bold")
            for row in undo_rows(result, default_host)]
    return Text("\n").join(rows)


class UndoOffer(ModalScreen[bool]):
    DEFAULT_CSS = """
    UndoOffer { align: center middle; }
    UndoOffer > Vertical {
        width: 90%; max-width: 110; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 1 2;
    }
    UndoOffer #title { text-style: bold; }
    UndoOffer #what { margin-bottom: 1; }
    UndoOffer VerticalScroll { height: auto; max-height: 14; }
    UndoOffer #later { color: $text-muted; margin-top: 1; }
    UndoOffer Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    UndoOffer Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y", "undo", "Undo"),
        Binding("n,escape", "leave", "Leave it"),
    ]

    def __init__(self, result: Any, *, default_host: str | None) -> None:
        super().__init__()
        self.result = result
        self.commands_text = undo_text(result, default_host)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Undo?"
            yield Label(literal.content(self.result.summary()), id="title")
            yield Label(literal.content("Undo what was done, newest first, with these commands:"),
                        id="what")
            with VerticalScroll():
                yield Static(self.commands_text, id="commands")
            yield Static(literal.content(later_hint(self.result.run_id)), id="later")  # wraps
            with Horizontal():
                yield Button("Leave it (n)", id="leave")
                yield Button("Undo (y)", id="undo", variant="error")

    def on_mount(self) -> None:
        self.query_one("#leave", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "undo")

    def action_undo(self) -> None:
        self.dismiss(True)

    def action_leave(self) -> None:
        self.dismiss(False)
