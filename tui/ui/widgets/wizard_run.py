"""The run page of a wizard: each step's state as the engine reports it, and its live output.

`show_event` takes the engine's events (tui.ops.events) in order: the step table says
pending / running / done / skipped / failed / cancelled per step (a wait step's attempts in
its row), the log below gets every line a command printed and every wait attempt. Output is
raw bytes from a host: each line is escaped and shown as literal text.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Label, RichLog

from tui.ops.events import (
    Event,
    OutputLine,
    PlanFinished,
    PlanStarted,
    StepFinished,
    StepSkipped,
    StepStarted,
    Waiting,
)
from tui.ops.plan import LocalStep
from tui.ui import literal

MAX_OUTPUT_LINES = 2000
STATE_STYLE = {"pending": "dim", "running": "bold", "done": "green", "skipped": "green",
               "failed": "bold red", "cancelled": "yellow"}


class RunProgress(Vertical):
    DEFAULT_CSS = """
    RunProgress { height: 1fr; padding: 0 1; }
    RunProgress #run-line { height: auto; margin-bottom: 1; }
    RunProgress #steps { height: auto; max-height: 50%; }
    RunProgress #output { height: 1fr; min-height: 4; border-top: solid $primary; }
    """

    def __init__(self, plan: Any, *, default_host: str | None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plan = plan
        self.default_host = default_host
        self.states: dict[str, str] = {s.id: "pending" for s in plan.steps}
        self.notes: dict[str, str] = {}
        self.numbers = {s.id: n for n, s in enumerate(plan.steps, 1)}
        self.line = ""
        self.output_lines: list[str] = []  # as shown (tests)

    def compose(self) -> ComposeResult:
        yield Label("", id="run-line")
        yield DataTable(id="steps", cursor_type="none", zebra_stripes=False, show_cursor=False)
        yield RichLog(id="output", max_lines=MAX_OUTPUT_LINES, wrap=False, markup=False, highlight=False)

    def on_mount(self) -> None:
        table = self.query_one("#steps", DataTable)
        table.add_column("#", key="n", width=3)
        table.add_column("State", key="state", width=10)
        table.add_column("Step", key="step")
        table.add_column("On", key="host")
        table.add_column("", key="note")
        for step in self.plan.steps:
            table.add_row(*self._cells(step.id), key=step.id)
        self.say(f"about to run {len(self.plan.steps)} step(s); escape cancels")

    def _cells(self, step_id: str) -> tuple[Text, ...]:
        step = self.plan.step(step_id)
        state = self.states.get(step_id, "pending")
        return (literal.text(str(self.numbers.get(step_id, "?"))),
                literal.text(state, STATE_STYLE.get(state, "")),
                literal.text(step.title),
                literal.text(self._where(step)),
                literal.text(self.notes.get(step_id, ""), "dim"))

    def _where(self, step: Any) -> str:
        if isinstance(step, LocalStep):  # signing, the disconnect watch: work done here
            return "this console"
        return step.host or self.default_host or "a cluster node"

    def _refresh_row(self, step_id: str) -> None:
        if step_id not in self.numbers:
            return
        table = self.query_one("#steps", DataTable)
        for key, cell in zip(("n", "state", "step", "host", "note"), self._cells(step_id)):
            table.update_cell(step_id, key, cell, update_width=True)

    def _follow(self, step_id: str) -> None:
        """Keep the running step in view: a long plan (a conversion has ~90 steps) runs past
        the table's height."""
        number = self.numbers.get(step_id)
        if number is not None:
            table = self.query_one("#steps", DataTable)
            table.scroll_to(y=max(0, number - 3), animate=False)

    def say(self, line: str, style: str = "bold") -> None:
        self.line = literal.text(line).plain
        self.query_one("#run-line", Label).update(literal.text(line, style))

    def out(self, line: str, style: str = "") -> None:
        shown = literal.text(line, style)
        self.output_lines.append(shown.plain)
        self.query_one("#output", RichLog).write(shown)

    def _step(self, step_id: str) -> str:
        return f"step {self.numbers.get(step_id, '?')}/{len(self.numbers)}"

    def show_event(self, event: Event) -> None:
        if isinstance(event, PlanStarted):
            self.say(f"running {event.title} (run id {event.run_id}); escape cancels")
        elif isinstance(event, StepStarted):
            self.states[event.step_id] = "running"
            self._refresh_row(event.step_id)
            self._follow(event.step_id)
            where = f" on {event.host}" if event.host else ""
            self.say(f"{self._step(event.step_id)}: {event.title}{where}")
            self.out(f"== {self._step(event.step_id)}: {event.title}{where}", "bold")
        elif isinstance(event, StepSkipped):
            self.states[event.step_id] = "skipped"
            self.notes[event.step_id] = f"already done: {event.reason}"
            self._refresh_row(event.step_id)
            self.out(f"== {self._step(event.step_id)} skipped: already done ({event.reason})", "dim")
        elif isinstance(event, OutputLine):
            self.out(event.text, "red" if event.stream == "stderr" else "")
        elif isinstance(event, Waiting):
            self.notes[event.step_id] = f"attempt {event.attempt}/{event.of}: {event.observed}"
            self._refresh_row(event.step_id)
            self.out(f"waiting {event.attempt}/{event.of}: {event.observed}", "dim")
        elif isinstance(event, StepFinished):
            state = str(event.state)
            self.states[event.step_id] = state
            if event.error:
                self.notes[event.step_id] = event.error
            elif event.detail:
                self.notes[event.step_id] = event.detail
            self._refresh_row(event.step_id)
            tail = f": {event.error}" if event.error else ""
            self.out(f"-- {self._step(event.step_id)} {state}{tail}",
                     "bold red" if state == "failed" else "")
        elif isinstance(event, PlanFinished):
            self.say(f"{event.state}: {event.statement or event.error or ''}",
                     "bold green" if str(event.state) == "done" else "bold red")
