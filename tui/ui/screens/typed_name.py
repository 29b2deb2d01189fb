"""Type the cluster's name: the consent a wizard asks for before a cluster-wide plan runs
on a production cluster (tui.ops.risk; ConfirmPlan asks the same way for the other actions)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.ops import risk
from tui.ui import literal


class TypeClusterName(ModalScreen[bool]):
    DEFAULT_CSS = """
    TypeClusterName { align: center middle; }
    TypeClusterName > Vertical {
        width: 70; height: auto; border: thick $error; background: $surface; padding: 1 2;
    }
    TypeClusterName #typed-why { margin-bottom: 1; }
    TypeClusterName #typed-wrong { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, cluster: str, why: str) -> None:
        super().__init__()
        self.cluster = cluster
        self.why = why

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "PRODUCTION"
            yield Static(literal.block(f"{self.why}.\nType the cluster name ({self.cluster}) and press "
                                       "enter to run it; escape cancels."), id="typed-why")
            yield Input(placeholder="the cluster's name", id="typed")
            yield Label("", id="typed-wrong")

    def on_mount(self) -> None:
        self.query_one("#typed", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if risk.typed_ok(event.value, self.cluster):
            self.dismiss(True)
        else:
            self.query_one("#typed-wrong", Label).update(
                literal.content(f"that is not {self.cluster}: nothing runs until the name matches"))

    def action_cancel(self) -> None:
        self.dismiss(False)
