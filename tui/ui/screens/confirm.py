"""Confirm a Plan: shows every step's exact command before anything runs.

A plan that may change placement (plan.preview) also shows its Impact: what crm_simulate says
the cluster would do, computed in a worker after the dialog opens ("computing the preview…"
meanwhile). When tui.ops.risk asks for it (a production cluster and a cluster-wide action, a
preview that stops a resource, or a preview not known), Run stays disabled and `y` does
nothing until the cluster's name is typed exactly.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.ops import render, risk
from tui.ops.plan import Plan
from tui.pacemaker.impact import Impact
from tui.ui import literal
from tui.ui.palette import Palette


# how each row of tui.ops.render looks here; the text itself is the one renderer's
_STYLE = {render.STEP: "bold", render.DETAIL: "dim", render.DIFF: ""}
_INDENT = {render.STEP: "", render.ACTION: "   ", render.DETAIL: "   ", render.DIFF: "     "}
COMPUTING = "computing the preview…"

# computes a plan's Impact from its PreviewSpec (never raises: an Impact with .error says why)
ImpactSource = Callable[[Any], Awaitable[Impact]]


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


def impact_text(impact: Impact | None, *, stopped_style: str | Style = "bold red",
                calm_style: str | Style = "green") -> Text:
    """The Impact section as Impact.lines() words it, literal; what ends up stopped (its Stop
    lines and the closing "would end up stopped" line) and fencing highlighted."""
    text = Text()
    if impact is None:
        text.append_text(literal.text(COMPUTING, "italic"))
        return text
    lines = impact.lines()
    loud = {a.line() for a in impact.actions if a.kind == "fence"
            or (a.kind == "stop" and a.resource in impact.stops)}
    for i, line in enumerate(lines):
        if not impact.computed:
            style: str | Style = "italic"
        elif line in loud or (impact.stops and i == len(lines) - 1 and line not in
                              {a.line() for a in impact.actions}):
            style = stopped_style
        else:
            style = ""
        if i:
            text.append("\n")
        text.append_text(literal.text(line, style))
    if impact.computed and impact.actions and not impact.stops:
        text.append("\n")
        text.append_text(literal.text("nothing ends up stopped", calm_style))
    return text


def app_impact_source(app: Any) -> ImpactSource | None:
    """The running app's way to compute an Impact: its session's pool, on the host actions
    run on, for the Pacemaker version of the last snapshot. None: no session to ask."""
    session = getattr(app, "session", None)
    pool = getattr(session, "pool", None)
    if pool is None:
        return None
    host = getattr(session, "action_host", None)
    snapshot = getattr(app, "snapshot", None)
    version = getattr(snapshot, "pacemaker_version", None)

    async def compute(spec) -> Impact:
        from tui.ops.preview import compute_impact

        return await compute_impact(spec, pool, host, version=version)

    return compute


class ConfirmPlan(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmPlan { align: center middle; }
    ConfirmPlan > Vertical {
        width: 90%; max-width: 110; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmPlan #title { text-style: bold; margin-bottom: 1; }
    ConfirmPlan VerticalScroll { height: auto; max-height: 16; }
    ConfirmPlan #impact-title { text-style: bold; margin-top: 1; }
    ConfirmPlan #impact-box { max-height: 10; }
    ConfirmPlan #where { color: $text-muted; margin-top: 1; }
    ConfirmPlan #typed-hint { margin-top: 1; color: $warning; }
    ConfirmPlan #typed { width: 60; }
    ConfirmPlan Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmPlan Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y", "confirm", "Run it"),
        Binding("n,escape", "cancel", "Cancel"),
    ]

    def __init__(self, plan: Plan, *, default_host: str | None, cluster: str,
                 production: bool = False, impact_source: ImpactSource | None = None) -> None:
        super().__init__()
        self.plan = plan
        self.default_host = default_host
        self.cluster = cluster
        self.production = production
        self.commands_text = plan_text(plan, default_host)
        self._impact_source = impact_source  # None: the app's session (app_impact_source)
        self.impact: Impact | None = None  # known once the worker is done (plan.preview)

    # --- what may run, now --------------------------------------------------------------

    @property
    def has_preview(self) -> bool:
        return getattr(self.plan, "preview", None) is not None

    @property
    def needs_typed(self) -> bool:
        return risk.needs_typed_confirmation(self.plan, self.impact, production=self.production)

    @property
    def typed(self) -> str:
        if not self.is_mounted:
            return ""
        return self.query_one("#typed", Input).value

    @property
    def run_allowed(self) -> bool:
        """Run (and `y`) work: no typed confirmation needed, or the name typed exactly."""
        return not self.needs_typed or risk.typed_ok(self.typed, self.cluster)

    def typed_reason(self) -> str:
        """Why the name must be typed (the rules are tui.ops.risk's; this only words them)."""
        impact = self.impact
        if getattr(self.plan, "cluster_wide", False):
            return "a cluster-wide action on a PRODUCTION cluster"
        if impact is not None and impact.stops:
            n = len(impact.stops)
            return f"the preview stops {n} resource{'s' if n != 1 else ''} on a PRODUCTION cluster"
        if impact is None:
            return "the preview is not known yet (PRODUCTION cluster)"
        return "no preview of what it does (PRODUCTION cluster)"

    def typed_hint(self) -> str:
        return (f"{self.typed_reason()}:\ntype the cluster name ({self.cluster}) to run it "
                "(shift+tab moves to the box)")

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Confirm"
            yield Label(literal.content(self.plan.title), id="title")
            with VerticalScroll():
                yield Static(self.commands_text, id="commands")
            if self.has_preview:
                yield Label("Impact (crm_simulate on a copy of the CIB)", id="impact-title")
                with VerticalScroll(id="impact-box"):
                    yield Static(impact_text(None), id="impact")
            where = f"Cluster {self.cluster}"
            if self.production:
                where += "  —  PRODUCTION"
            yield Label(literal.content(where), id="where")
            yield Static(literal.block(self.typed_hint()), id="typed-hint")
            yield Input(id="typed", placeholder="type the cluster name to run")
            with Horizontal():
                yield Button("Cancel (n)", id="cancel")
                yield Button("Run (y)", id="run", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#typed", Input).cursor_blink = bool(getattr(self.app, "cursor_blink", True))
        self._update_gate()
        self.query_one("#cancel", Button).focus()
        if self.has_preview:
            source = self._impact_source or app_impact_source(self.app)
            self.run_worker(self._compute(source), group="impact", exclusive=True,
                            exit_on_error=False, description="impact preview")

    async def _compute(self, source: ImpactSource | None) -> None:
        if source is None:
            impact = Impact(error="no cluster session to run crm_simulate on")
        else:
            try:
                impact = await source(self.plan.preview)
            except Exception as error:  # noqa: BLE001 - compute_impact never raises; a source might
                impact = Impact(error=f"{type(error).__name__}: {error}")
        self.show_impact(impact)

    def show_impact(self, impact: Impact) -> None:
        self.impact = impact
        if not self.is_mounted:
            return
        palette = Palette(self.app.theme_variables)
        self.query_one("#impact", Static).update(
            impact_text(impact, stopped_style=palette.style("error"), calm_style=palette.style("success")))
        self._update_gate()

    def _update_gate(self) -> None:
        """Show the typed-confirmation box when it is needed; Run enabled only when allowed."""
        needed = self.needs_typed
        for widget_id in ("#typed-hint", "#typed"):
            self.query_one(widget_id).display = needed
        if needed:
            self.query_one("#typed-hint", Static).update(literal.block(self.typed_hint()))
        if not needed and self.query_one("#typed", Input).has_focus:
            self.query_one("#cancel", Button).focus()
        self.query_one("#run", Button).disabled = not self.run_allowed
        self.refresh_bindings()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "typed":
            self._update_gate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "typed":
            event.stop()
            if self.run_allowed:
                self.dismiss(True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm" and not self.run_allowed:
            return None  # shown, disabled: `y` does nothing until the name is typed
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "run" and not self.run_allowed:
            return
        self.dismiss(event.button.id == "run")

    def action_confirm(self) -> None:
        if self.run_allowed:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
