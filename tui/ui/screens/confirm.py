"""Confirm a Plan: shows every step's exact command before anything runs."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from tui.ops import render
from tui.ops.plan import Plan
from tui.ui import literal


# how each row of tui.ops.render looks here; the text itself is the one renderer's
_STYLE = {render.STEP: "bold", render.DETAIL: "dim", render.DIFF: ""}
_INDENT = {render.STEP: "", render.ACTION: "   ", render.DETAIL: "   ", render.DIFF: "     "}


def plan_text(plan: Plan, default_host: str | None) -> Text:
    """The plan as tui.ops.render draws it (the title is the dialog's own), as literal text:
    every row is one terminal-safe line, so a node name cannot fake a line or a button."""
    text = Text()
    for role, line in render.plan_rows(plan, default_host or "(cluster)"):
        if role == render.TITLE:
            continue
        text.append_text(literal.text(_INDENT.get(role, "   ") + line, _STYLE.get(role, "")))
        text.append("\n")
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
