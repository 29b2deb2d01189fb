"""Why is this remote or guest node offline? A screen over tui.ops.nodes.diagnose.

DiagnosisScreen diagnoses one node from the app's current status (the probes are reads: it
works in read-only mode too); r diagnoses again, escape closes. `diagnose_node` is shared
with the wizards' result page, which diagnoses a node that did not come online.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer

from tui.ui import literal
from tui.ui.widgets.wizard_diagnosis import DiagnosisView


async def diagnose_node(app: Any, node: str, view: DiagnosisView) -> Any:
    """Diagnose `node` with the app's session and status into `view`; every failure is one
    line in the view (a node the cluster lacks, a missing module, a probe's own error)."""
    try:
        from tui.ops.nodes.diagnose import NotDiagnosable, diagnose
    except ImportError as exc:
        view.failed(f"the diagnosis is not in this build ({exc.name or exc})")
        return None
    session = getattr(app, "session", None)
    snapshot = getattr(app, "snapshot", None)
    if snapshot is None:
        view.failed("no cluster status yet")
        return None
    try:
        result = await diagnose(session.pool, snapshot, node,
                                default_host=getattr(session, "action_host", None) or "")
    except NotDiagnosable as exc:
        view.failed(str(exc))
        return None
    except Exception as exc:
        view.failed(f"{type(exc).__name__}: {exc}")
        return None
    view.show(result)
    return result


class DiagnosisScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    DiagnosisScreen { align: center middle; }
    DiagnosisScreen VerticalScroll { width: 95%; height: 92%; border: round $primary;
        background: $surface; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("r", "again", "Diagnose again"),
    ]

    def __init__(self, node: str) -> None:
        super().__init__()
        self.node = node
        self.diagnosis: Any = None

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = literal.content(f"Diagnose {self.node}")
            yield DiagnosisView(id="diagnosis")
        yield Footer()

    def on_mount(self) -> None:
        self.action_again()

    def action_again(self) -> None:
        view = self.query_one(DiagnosisView)
        view.working(self.node)
        self.run_worker(self._run(view), group="diagnose", exclusive=True, exit_on_error=False)

    async def _run(self, view: DiagnosisView) -> None:
        self.diagnosis = await diagnose_node(self.app, self.node, view)

    def action_close(self) -> None:
        self.workers.cancel_group(self, "diagnose")
        self.dismiss(None)
