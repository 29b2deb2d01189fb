"""The node wizards (add-remote, add-guest, remove-remote, remove-guest), the certificate
wizards (certs-convert, certs-renew, certs-rollback) and the diagnosis of a remote or guest
node, as screens; the app opens them with

    open_wizard(app, "add-remote", name="rn3")     # prefill any field by name
    open_wizard(app, "certs-convert")
    open_diagnosis(app, "rn2")

A flow (tui.ui.screens.wizard_flow.WizardFlow for the nodes, certs_flow.CertsFlow for the
certificates) turns the form into checks and a plan; the screen is the same for both.

One WizardScreen walks five pages: inputs (validated inline, each error naming its field),
preflight (every check's verdict, what it saw and the fix; r retries the selected check, R
all), review (the whole plan as the exact commands tui.ops.render draws, file writes with
owner and mode), run (each step's state and the live output of the engine's events) and
result (what was done; the diagnosis when the node did not come online).

Cancel (escape) is always safe and says what it did: before the run nothing changed (the
checks only read); during the run it sets the engine's cancel event (between steps the plan
stops, inside a step the command is killed) and the result says what ran. Read-only mode:
open_wizard refuses. The cluster's strings are literal text throughout (tui.ui.literal).
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Input, Label, Static

from tui.ops.events import StepFinished
from tui.ops import risk
from tui.ops.plan import WaitStep
from tui.ui import literal
from tui.ui.progress import PlanProgress, poster
from tui.ui.screens.wizard_diagnosis import DiagnosisScreen, diagnose_node
from tui.ui.screens import certs_flow
from tui.ui.screens.wizard_flow import KINDS, WizardFlow, WizardUnavailable, checks as field_checks
from tui.ui.widgets.wizard_checks import CheckTable
from tui.ui.widgets.wizard_diagnosis import DiagnosisView
from tui.ui.widgets.wizard_inputs import WizardInputs
from tui.ui.widgets.wizard_run import RunProgress

STAGES = ("inputs", "preflight", "review", "run", "result")
STAGE_WORDS = {"inputs": "1 inputs", "preflight": "2 checks", "review": "3 review", "run": "4 run",
               "result": "5 result"}
REFRESH_WAIT = 15.0  # seconds to wait for a fresh status before diagnosing


# --- the app's entry points ---------------------------------------------------------------------

def open_wizard(app: Any, kind: str, *, auto_check: bool = False, **prefill: Any) -> None:
    """Open the `kind` wizard ("add-remote", "add-guest", "remove-remote", "remove-guest")
    with any field prefilled by name (auto_check: straight on to the checks, for a form the
    caller filled); refuses, with a notification, in read-only mode or when the wizard cannot
    start (no status yet, not in this build)."""
    if getattr(app, "read_only", False):
        app.notify(f"read-only: the {kind} wizard is disabled; nothing was run", title="read-only",
                   severity="warning")
        return
    session = getattr(app, "session", None)
    try:
        if kind in certs_flow.KINDS:
            flow = certs_flow.CertsFlow.start(kind, getattr(app, "snapshot", None),
                                              default_host=getattr(session, "action_host", None),
                                              state_dir=getattr(session, "state_dir", None),
                                              cluster=getattr(app, "cluster_name", "cluster"))
        else:
            flow = WizardFlow.start(kind, getattr(app, "snapshot", None),
                                    default_host=getattr(session, "action_host", None))
    except WizardUnavailable as exc:
        app.notify(str(exc), title=f"{kind}: not opened", severity="error", timeout=10)
        return
    except Exception as exc:  # reading the cluster's facts: one line, never a traceback
        app.notify(f"{type(exc).__name__}: {exc}", title=f"{kind}: not opened", severity="error", timeout=10)
        return
    app.push_screen(WizardScreen(flow, prefill=prefill, auto_check=auto_check))


def open_diagnosis(app: Any, node: str) -> None:
    """Why is `node` (a remote or guest node) offline: a screen that diagnoses it (reads
    only, so read-only mode allows it); r diagnoses again, escape closes."""
    if getattr(app, "snapshot", None) is None:
        app.notify("no cluster status yet: wait for the first refresh", title="diagnose", severity="warning")
        return
    app.push_screen(DiagnosisScreen(node))


# --- the wizard ---------------------------------------------------------------------------------

class _Checking(Message):
    """An engine event of the preflight checks (tui.ops.events), posted by their listener."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event


class WizardScreen(Screen[None]):
    DEFAULT_CSS = """
    WizardScreen { layout: vertical; }
    WizardScreen #wizard-head { height: auto; padding: 0 1; background: $boost; }
    WizardScreen #wizard-title { text-style: bold; }
    WizardScreen #wizard-stages { color: $text-muted; }
    WizardScreen #wizard-where { color: $text-muted; }
    WizardScreen.-production #wizard-where { color: $error; text-style: bold; }
    WizardScreen ContentSwitcher { height: 1fr; }
    WizardScreen #stage-inputs { height: 1fr; }
    WizardScreen #inputs-note { padding: 1 1 0 1; color: $text-muted; }
    WizardScreen #review-box { height: 1fr; padding: 0 1; }
    WizardScreen #review-title { text-style: bold; }
    WizardScreen #review-head { margin-bottom: 1; color: $text-muted; }
    WizardScreen #review-plan { height: auto; }
    WizardScreen #stage-run { height: 1fr; }
    WizardScreen #result-box { height: 1fr; padding: 0 1; }
    WizardScreen #result-summary { margin-bottom: 1; }
    WizardScreen #result-diagnosis { margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("escape", "close", "Close"),
        Binding("q", "cancel", "Cancel", show=False),  # not the app's quit: a run may be going
        Binding("q", "close", "Close", show=False),
        Binding("ctrl+n", "next", "Next", priority=True),
        Binding("b", "back", "Back"),
        Binding("r", "retry", "Retry check"),
        Binding("R", "retry_all", "Retry all"),
        Binding("y", "run", "Run it"),
        Binding("d", "diagnose", "Diagnose"),
        Binding("u", "undo", "Undo"),
        Binding("o", "rollback", "Roll back"),
        Binding("enter", "close", "Close", show=False),
    ]

    def __init__(self, flow: Any, *, prefill: dict[str, Any] | None = None, auto_check: bool = False) -> None:
        super().__init__()
        self.flow = flow  # WizardFlow or CertsFlow
        self.auto_check = auto_check
        self.prefill = dict(prefill or {})
        self.stage = "inputs"
        self.inp: Any = None
        self.checks_plan: Any = None
        self.plan: Any = None
        self.result: Any = None
        self.cancel = asyncio.Event()
        self.checking = False
        self.running = False
        self.outcome_line = ""  # what the wizard ended with, in words (tests)

    # --- the app's facts ------------------------------------------------------------------------

    @property
    def session(self) -> Any:
        return self.app.session

    @property
    def default_host(self) -> str | None:
        return getattr(self.session, "action_host", None)

    @property
    def production(self) -> bool:
        return bool(getattr(self.app, "production", False))

    # --- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="wizard-head"):
            yield Label(literal.content(self.flow.title), id="wizard-title")
            yield Label("", id="wizard-stages")
            where = f"cluster {getattr(self.app, 'cluster_name', 'cluster')}"
            if self.production:
                where += "  —  PRODUCTION"
            yield Label(literal.content(where), id="wizard-where")
        with ContentSwitcher(initial="stage-inputs"):
            with Vertical(id="stage-inputs"):
                yield Static(literal.content(
                    "tab moves between fields, enter to the next one; ctrl+n runs the checks "
                    "(they only read); escape cancels: nothing changes until you confirm the plan"),
                    id="inputs-note")
                yield WizardInputs(self.flow.kind, facts=self.flow.facts, prefill=self.prefill,
                                   checks=field_checks(), id="form")
            yield CheckTable(default_host=self.default_host, id="stage-preflight")
            with VerticalScroll(id="review-box"):
                yield Label("", id="review-title")
                yield Static("", id="review-head")
                yield Static("", id="review-plan")
            yield Vertical(id="stage-run")
            with VerticalScroll(id="result-box"):
                yield Static("", id="result-summary")
                yield DiagnosisView(id="result-diagnosis")
        yield Footer()

    def on_mount(self) -> None:
        self.set_class(self.production, "-production")
        self._show_stage("inputs")
        self.query_one(WizardInputs).focus_first()
        if self.auto_check:
            self.call_after_refresh(self._inputs_done)

    def _show_stage(self, stage: str) -> None:
        self.stage = stage
        self.query_one(ContentSwitcher).current = {"review": "review-box", "result": "result-box"}.get(
            stage, f"stage-{stage}")
        words = Text(" > ".join(STAGE_WORDS[name] for name in STAGES), style="dim", end="")
        start = words.plain.index(STAGE_WORDS[stage])
        words.stylize("bold reverse", start, start + len(STAGE_WORDS[stage]))
        self.query_one("#wizard-stages", Label).update(words)
        self.refresh_bindings()

    # --- which keys work where ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        stage = self.stage
        if action == "next":
            return stage in ("inputs", "preflight", "review")
        if action == "back":
            return stage in ("preflight", "review")
        if action == "cancel":
            return stage != "result"
        if action in ("retry", "retry_all"):
            return stage == "preflight"
        if action == "run":
            return stage == "review"
        if action == "close":
            return stage == "result"
        if action == "diagnose":
            return stage == "result" and (self.flow.adds or self._diagnosis_target() is not None)
        if action == "rollback":
            return stage == "result" and self._rollback_run_id() is not None
        if action == "undo":  # a certificate run is undone by its rollback (it restarts), not step by step
            return stage == "result" and getattr(self.flow, "offers_undo", True) \
                and bool(getattr(self.result, "undo_offered", ()))
        return True

    # --- inputs --------------------------------------------------------------------------------

    @on(Input.Submitted)
    def _field_submitted(self, event: Input.Submitted) -> None:
        if self.stage != "inputs":
            return
        event.stop()
        form = self.query_one(WizardInputs)
        inputs = [row.widget for row in form.rows.values() if isinstance(row.widget, Input)]
        if inputs and event.input is inputs[-1]:
            self.action_next()
        else:
            self.focus_next()

    def _inputs_done(self) -> None:
        form = self.query_one(WizardInputs)
        errors = form.inline_errors()  # each message has its label already
        inp = None
        if errors:
            form.show_errors(errors, labelled=True)
        else:
            inp, errors = self.flow.build(form.values())
            form.show_errors(errors)
            errors = form.errors_shown()
        if errors:
            form.focus_first(errors)
            self.notify("; ".join(errors.values()), title="fix the inputs", severity="warning", timeout=8)
            return
        try:
            plan = self.flow.preflight(inp)
        except Exception as exc:  # a builder's refusal: one line under the form, never a traceback
            form.show_errors({"name": f"cannot check: {type(exc).__name__}: {exc}"})
            return
        self.inp, self.checks_plan = inp, plan
        table = self.query_one(CheckTable)
        table.set_steps(plan.steps)
        self._show_stage("preflight")
        table.table.focus()
        self._start_checks(None)

    # --- preflight -----------------------------------------------------------------------------

    def _start_checks(self, only: list[str] | None) -> None:
        table = self.query_one(CheckTable)
        ids = only if only is not None else [s.id for s in self.checks_plan.steps]
        table.mark_running(ids)
        self.checking = True
        self.refresh_bindings()
        self.run_worker(self._checks(only), group="wizard-checks", exclusive=True, exit_on_error=False)

    async def _checks(self, only: list[str] | None) -> None:
        table = self.query_one(CheckTable)
        try:
            outcomes = await self.flow.run_checks(self.checks_plan, self.session.pool, only=only,
                                                  listeners=[self._checking_listener])
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            outcomes = ()
            self.notify(f"{type(exc).__name__}: {exc}", title="the checks did not run", severity="error",
                        timeout=10)
        finally:
            self.checking = False
        if not self.is_attached:
            return
        table.set_outcomes(outcomes)
        table.mark_unanswered()  # a check that gave no outcome is not a pass
        self.refresh_bindings()

    def _checking_listener(self, event: Any) -> None:
        self.post_message(_Checking(event))

    @on(_Checking)
    def _check_event(self, message: _Checking) -> None:
        """A check that finished shows at once; run_checks' outcomes have the last word."""
        message.stop()
        event = message.event
        if not isinstance(event, StepFinished) or not self.checking:
            return
        table = self.query_one(CheckTable)
        if table.state.get(event.step_id) != "running":
            return
        step = table.steps.get(event.step_id)
        observed = event.detail or event.error or ""
        if str(event.state) == "done":
            level = "warn" if observed.startswith("warning: ") else "ok"
            observed = observed.removeprefix("warning: ")
        else:
            level = "fail"
        table.set_outcomes([SimpleNamespace(step_id=event.step_id, title=getattr(step, "title", event.step_id),
                                            host=getattr(step, "host", None), level=level, observed=observed,
                                            fix=event.fix)])

    def action_retry(self) -> None:
        if self.checking:
            self.notify("the checks are still running", severity="warning")
            return
        step_id = self.query_one(CheckTable).selected
        if step_id is not None:
            self._start_checks([step_id])

    def action_retry_all(self) -> None:
        if self.checking:
            self.notify("the checks are still running", severity="warning")
            return
        self._start_checks(None)

    def _preflight_done(self) -> None:
        table = self.query_one(CheckTable)
        if self.checking or not table.finished:
            self.notify("the checks are still running", severity="warning")
            return
        if not table.passed:
            self.notify("failed: " + "; ".join(table.failed_titles()) + ". Fix them, then r / R retries",
                        title="not ready", severity="error", timeout=10)
            return
        try:
            self.plan = self.flow.plan(self.inp, tuple(table.outcomes.values()))
        except Exception as exc:
            self.notify(f"{type(exc).__name__}: {exc}", title="no plan", severity="error", timeout=10)
            return
        self._show_review()

    # --- review --------------------------------------------------------------------------------

    def _show_review(self) -> None:
        from tui.ui.screens.confirm import plan_text

        steps = len(self.plan.steps)
        method = self.flow.method(self.inp, tuple(self.query_one(CheckTable).outcomes.values()))
        how = f", method {method}" if method else ""
        head = (f"{steps} step(s){how}: these exact commands run when you press y; "
                f"b goes back; escape cancels (nothing has changed yet)")
        lines = [literal.text(head)]
        review_lines = getattr(self.flow, "review_lines", None)
        for line, style in (review_lines(self.inp, self.plan) if review_lines else ()):
            lines.append(literal.text(line, style))
        self.query_one("#review-title", Label).update(literal.content(self.plan.title))
        self.query_one("#review-head", Static).update(Text("\n").join(lines))
        self.query_one("#review-plan", Static).update(plan_text(self.plan, self.default_host))
        self._show_stage("review")
        self.query_one("#review-box").focus()

    # --- run -----------------------------------------------------------------------------------

    async def action_run(self) -> None:
        if self.stage != "review" or self.running:
            return
        if getattr(self.app, "read_only", False):
            self.notify("read-only: nothing was run", severity="warning")
            return
        if risk.needs_typed_confirmation(self.plan, None, production=self.production):
            from tui.ui.screens.typed_name import TypeClusterName

            cluster = getattr(self.app, "cluster_name", "cluster")
            why = f"{self.plan.title}: a cluster-wide change on the PRODUCTION cluster {cluster}"
            self.app.push_screen(TypeClusterName(cluster, why), self._typed)
            return
        await self._start_run()

    def _typed(self, ok: bool | None) -> None:
        if ok and self.stage == "review" and not self.running:
            self.run_worker(self._start_run(), exit_on_error=False)
        elif not ok:
            self.notify("the cluster name was not typed: nothing ran", timeout=4)

    async def _start_run(self) -> None:
        box = self.query_one("#stage-run", Vertical)
        await box.remove_children()
        await box.mount(RunProgress(self.plan, default_host=self.default_host, id="run"))
        self._show_stage("run")
        self.running = True
        self.cancel = asyncio.Event()
        self.run_worker(self._run(), group="wizard-run", exclusive=True, exit_on_error=False)

    async def _run(self) -> None:
        try:
            result = await self.session.apply(self.plan, listeners=[poster(self)], cancel=self.cancel)
        except Exception as exc:
            self.running = False
            self._finish(None, f"{self.plan.title}: not run: {type(exc).__name__}: {exc}")
            return
        self.running = False
        self._finish(result, None)

    @on(PlanProgress)
    def _plan_progress(self, message: PlanProgress) -> None:
        message.stop()  # this screen shows the run; the main screen's line need not
        for run in self.query(RunProgress):
            run.show_event(message.event)

    # --- result --------------------------------------------------------------------------------

    def _finish(self, result: Any, error: str | None) -> None:
        if not self.is_attached:
            return
        self.result = result
        refresh = getattr(self.app, "action_refresh_now", None)
        if refresh is not None:
            refresh()
        auth = getattr(self.app, "refresh_auth", None)
        if auth is not None:  # a plan ran: the auth view may have changed
            auth()
        summary = self.query_one("#result-summary", Static)
        lines: list[Text] = []
        if error is not None or result is None:
            self.outcome_line = error or "not run"
            lines.append(literal.text(self.outcome_line, "bold red"))
        else:
            ok = bool(getattr(result, "ok", False))
            self.outcome_line = result.summary()
            lines.append(literal.text(self.outcome_line, "bold green" if ok else "bold red"))
            result_lines = getattr(self.flow, "result_lines", None)
            for line, style in (result_lines(result) if result_lines else ()):
                lines.append(literal.text(line, style))  # before the statement: a long plan's is long
            statement = getattr(self.flow, "statement", None)
            said = statement(result) if statement else result.statement()
            if said:
                lines.append(literal.text(said))
            last = result.outcomes[-1] if result.outcomes else None
            if ok and last is not None and isinstance(last.step, WaitStep) and last.detail:
                lines.append(literal.text(f"verified ({last.step.title}): {last.detail}", "green"))
            if getattr(result, "run_id", ""):
                lines.append(literal.text(f"run id {result.run_id}: `pcmk-console runs {result.run_id}` "
                                          f"shows what ran", "dim"))
            rollback = self._rollback_run_id()
            if rollback:
                lines.append(literal.text(f"o rolls back (certs-rollback {rollback}: the environment files "
                                          f"restored, restarted in the same order); later: "
                                          f"pcmk-console apply certs-rollback {rollback}", "bold"))
            elif not ok and getattr(result, "undo_offered", ()) and getattr(self.flow, "offers_undo", True):
                lines.append(literal.text("u offers the undo of the steps that were done", "bold"))
        target = self._diagnosis_target()
        lines.append(literal.text("enter or escape closes" + (f", d diagnoses {target}" if target else ""), "dim"))
        summary.update(Text("\n").join(lines))
        self._show_stage("result")
        self.query_one("#result-box").focus()
        if result is not None and not result.ok and self._verification_failed(result) \
                and self._diagnosis_target() is not None:
            self.action_diagnose()

    def _verification_failed(self, result: Any) -> bool:
        """The plan ran to its check that the node(s) came online, and that did not hold."""
        own = getattr(self.flow, "verification_failed", None)
        if own is not None:
            return own(result)
        bad = result.failed
        return bad is not None and isinstance(bad.step, WaitStep)

    def _rollback_run_id(self) -> str | None:
        own = getattr(self.flow, "rollback_run_id", None)
        return own(self.result) if own is not None and self.result is not None else None

    def _diagnosis_target(self) -> str | None:
        """The node d diagnoses: the wizard's node, or (certificates) the first remote or guest
        node the status shows offline after a failed verification."""
        if self.flow.adds:
            return self.flow.node_name(self.inp)
        offline = getattr(self.flow, "offline_nodes", None)
        if offline is None or self.result is None or not self._verification_failed(self.result):
            return None
        names = offline(getattr(self.app, "snapshot", None))
        return names[0] if names else None

    def action_rollback(self) -> None:
        """The conversion's rollback: the certs-rollback wizard for this run, its checks at
        once; it shows its plan and runs only on y, as every plan here."""
        run_id = self._rollback_run_id()
        if self.stage != "result" or not run_id:
            return
        self.dismiss(None)
        open_wizard(self.app, "certs-rollback", auto_check=True, run_id=run_id)

    def action_diagnose(self) -> None:
        name = self._diagnosis_target()
        if self.stage != "result" or not name:
            return
        view = self.query_one("#result-diagnosis", DiagnosisView)
        view.working(name)
        self.run_worker(self._diagnose(name), group="wizard-diagnose", exclusive=True, exit_on_error=False)

    async def _diagnose(self, name: str) -> None:
        await _fresh_status(self.app)
        view = self.query_one("#result-diagnosis", DiagnosisView)
        await diagnose_node(self.app, name, view)

    def action_undo(self) -> None:
        offer = getattr(self.app, "offer_undo", None)
        if offer is not None and self.result is not None:
            offer(self.result)

    # --- moving through the pages --------------------------------------------------------------

    def action_next(self) -> None:
        if self.stage == "inputs":
            self._inputs_done()
        elif self.stage == "preflight":
            self._preflight_done()
        elif self.stage == "review":
            self.run_worker(self.action_run(), exit_on_error=False)

    def action_back(self) -> None:
        if self.stage == "preflight":
            self.workers.cancel_group(self, "wizard-checks")
            self.checking = False
            self._show_stage("inputs")
            self.query_one(WizardInputs).focus_first()
        elif self.stage == "review":
            self._show_stage("preflight")
            self.query_one(CheckTable).table.focus()

    def action_close(self) -> None:
        if self.stage == "result":
            self.dismiss(None)

    def action_cancel(self) -> None:
        title = self.flow.title
        if self.stage == "run":
            if self.running and not self.cancel.is_set():
                self.cancel.set()
                line = ("cancelling: the plan stops before its next step, and a command still running "
                        "is killed; the result will say what was done")
                for run in self.query(RunProgress):
                    run.say(line, "bold yellow")
                self.notify(line, title=f"{title}: cancel", severity="warning", timeout=10)
            return
        if self.stage == "result":
            self.dismiss(None)
            return
        ran_checks = self.checks_plan is not None
        self.workers.cancel_group(self, "wizard-checks")
        self.notify(f"cancelled: nothing was changed{' (the checks only read)' if ran_checks else ''}",
                    title=title, timeout=5)
        self.dismiss(None)


async def _fresh_status(app: Any) -> None:
    """Ask the app for a refresh and wait (bounded) for it: a diagnosis reads the live state."""
    refreshed = getattr(app, "refreshed", None)
    refresh = getattr(app, "action_refresh_now", None)
    if refreshed is None or refresh is None:
        return
    refreshed.clear()
    refresh()
    try:
        await asyncio.wait_for(refreshed.wait(), REFRESH_WAIT)
    except asyncio.TimeoutError:
        pass


__all__ = ["KINDS", "WizardScreen", "open_diagnosis", "open_wizard"]
