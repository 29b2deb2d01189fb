"""Confirm a Plan: shows every step's exact command before anything runs."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tui.ops.plan import Plan
from tui.plaintext import one_line
from tui.ui import literal


def plan_text(plan: Plan, default_host: str | None) -> Text:
    text = Text()
    for number, step in enumerate(plan.steps, 1):
        # every part literal and on one line: a node name cannot fake a line or a button
        where = step.host or default_host or "(cluster)"
        text.append(f"{number}. {one_line(step.title)}\n", "bold")
        text.append(f"   on {one_line(where)}\n", "dim")
        text.append(f"   $ {one_line(step.command_line())}\n")
        if step.precondition:
            text.append(f"   check first: {one_line(' '.join(step.precondition))}\n", "dim")
        if step.undo:
            text.append(f"   undo: {one_line(' '.join(step.undo))}\n", "dim")
    return text


class ConfirmPlan(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmPlan { align: center middle; }
    ConfirmPlan > Vertical {
        width: 90%; max-width: 110; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmPlan #title { text-style: bold; margin-bottom: 1; }
    ConfirmPlan VerticalScroll { height: auto; max-height: 16; }
    ConfirmPlan #where { color: $text-muted; margin-top: 1; }
    ConfirmPlan Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmPlan Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y", "confirm", "Run it"),
        Binding("n,escape", "cancel", "Cancel"),
    ]

    def __init__(self, plan: Plan, *, default_host: str | None, cluster: str,
                 production: bool = False) -> None:
        super().__init__()
        self.plan = plan
        self.default_host = default_host
        self.cluster = cluster
        self.production = production
        self.commands_text = plan_text(plan, default_host)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Confirm"
            yield Label(literal.content(self.plan.title), id="title")
            with VerticalScroll():
                yield Static(self.commands_text, id="commands")
            where = f"Cluster {self.cluster}"
            if self.production:
                where += "  —  PRODUCTION"
            yield Label(literal.content(where), id="where")
            with Horizontal():
                yield Button("Cancel (n)", id="cancel")
                yield Button("Run (y)", id="run", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "run")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
