"""The preflight page: every check of a wizard, its verdict, what it saw and the fix.

One DataTable row per CheckStep of the preflight plan (keyed by step id, so a retried check
updates its own row), the selected row's observed value and fix in full underneath (they are
long: a table cell would cut them). Rows start "…" and turn ok / WARN / FAIL as outcomes
arrive; a retried row goes back to "…" until its new outcome lands.

Every title, host, observation and fix comes from a cluster: literal text, one line each.
"""

from __future__ import annotations

from typing import Any, Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Static
from textual.widgets.data_table import RowDoesNotExist

from tui.ui import literal

MARKS = {"ok": ("ok", "green"), "warn": ("WARN", "yellow"), "fail": ("FAIL", "bold red"),
         "pending": ("…", "dim"), "running": ("…", "dim"), "unanswered": ("FAIL", "bold red")}
OBSERVED_WIDTH = 60  # the table shows the start; the panel below shows it whole


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class CheckTable(Vertical):
    DEFAULT_CSS = """
    CheckTable { height: 1fr; padding: 0 1; }
    CheckTable DataTable { height: 1fr; min-height: 5; }
    CheckTable #check-summary { height: auto; margin-bottom: 1; }
    CheckTable #check-detail-box { height: auto; min-height: 4; max-height: 9; border-top: solid $primary; }
    """

    def __init__(self, *, default_host: str | None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.default_host = default_host
        self.steps: dict[str, Any] = {}  # step id -> CheckStep (title, host)
        self.outcomes: dict[str, Any] = {}  # step id -> CheckOutcome
        self.state: dict[str, str] = {}  # step id -> pending | running | ok | warn | fail

    def compose(self) -> ComposeResult:
        yield Label("", id="check-summary")
        table = DataTable(id="checks", cursor_type="row", zebra_stripes=False)
        yield table
        with VerticalScroll(id="check-detail-box"):
            yield Static("", id="check-detail")

    def on_mount(self) -> None:
        table = self.query_one("#checks", DataTable)
        table.add_column("", key="mark", width=4)
        table.add_column("Check", key="check")
        table.add_column("On", key="host")
        table.add_column("Observed", key="observed")

    @property
    def table(self) -> DataTable:
        return self.query_one("#checks", DataTable)

    # --- rows -------------------------------------------------------------------------------

    def set_steps(self, steps: Iterable[Any]) -> None:
        """The checks of a (new) preflight plan: one pending row each."""
        table = self.table
        table.clear()
        self.steps = {s.id: s for s in steps}
        self.outcomes = {}
        self.state = {}
        for step_id, step in self.steps.items():
            self.state[step_id] = "pending"
            table.add_row(*self._cells(step_id), key=step_id)
        self._summarise()
        self.show_detail()

    def _cells(self, step_id: str) -> tuple[Text, Text, Text, Text]:
        step = self.steps.get(step_id)
        outcome = self.outcomes.get(step_id)
        state = self.state.get(step_id, "pending")
        mark, style = MARKS.get(state, ("?", ""))
        title = getattr(outcome, "title", None) or getattr(step, "title", step_id)
        host = getattr(outcome, "host", None) or getattr(step, "host", None) or self.default_host or ""
        observed = "" if outcome is None or state in ("pending", "running") else (outcome.observed or "")
        return (literal.text(mark, style), literal.text(title), literal.text(host),
                literal.text(_cut(literal.text(observed).plain, OBSERVED_WIDTH)))

    def _update_row(self, step_id: str) -> None:
        table = self.table
        cells = self._cells(step_id)
        try:
            for key, cell in zip(("mark", "check", "host", "observed"), cells):
                table.update_cell(step_id, key, cell, update_width=True)
        except RowDoesNotExist:
            table.add_row(*cells, key=step_id)

    def mark_running(self, step_ids: Iterable[str]) -> None:
        for step_id in step_ids:
            self.state[step_id] = "running"
            self.outcomes.pop(step_id, None)
            self._update_row(step_id)
        self._summarise()
        self.show_detail()

    def set_outcomes(self, outcomes: Iterable[Any]) -> None:
        for outcome in outcomes:
            self.outcomes[outcome.step_id] = outcome
            self.state[outcome.step_id] = outcome.level if outcome.level in MARKS else "fail"
            if outcome.step_id not in self.steps:
                self.steps[outcome.step_id] = outcome
            self._update_row(outcome.step_id)
        self._summarise()
        self.show_detail()

    def mark_unanswered(self) -> None:
        """Checks still without an outcome after a run: failed (no answer is not a pass)."""
        for step_id, state in list(self.state.items()):
            if state in ("pending", "running"):
                self.state[step_id] = "unanswered"
                self._update_row(step_id)
        self._summarise()
        self.show_detail()

    # --- what they add up to ----------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        counts = {"ok": 0, "warn": 0, "fail": 0, "pending": 0}
        for state in self.state.values():
            counts["pending" if state in ("pending", "running") else
                   "fail" if state == "unanswered" else state] += 1
        return counts

    @property
    def finished(self) -> bool:
        return bool(self.state) and self.counts()["pending"] == 0

    @property
    def passed(self) -> bool:
        """Every check ran and none failed (warnings do not block)."""
        return self.finished and self.counts()["fail"] == 0

    def failed_titles(self) -> list[str]:
        return [getattr(self.outcomes.get(i), "title", "") or getattr(self.steps.get(i), "title", i)
                for i, state in self.state.items() if state in ("fail", "unanswered")]

    def _summarise(self) -> None:
        c = self.counts()
        total = len(self.state)
        if c["pending"]:
            text = f"checking: {total - c['pending']}/{total} done"
        elif c["fail"]:
            text = (f"{c['fail']} of {total} check(s) failed: fix them, then r retries the selected "
                    f"check, R all of them")
        else:
            text = f"all {total} checks passed" + (f" ({c['warn']} warning(s))" if c["warn"] else "") \
                + ": ctrl+n to review the plan"
        style = "bold red" if c["fail"] and not c["pending"] else "bold"
        self.query_one("#check-summary", Label).update(literal.text(text, style))

    @property
    def selected(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:
            return None
        return key.value if key is not None else None

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        """The selected check in full: title, host, what it saw, the fix."""
        step_id = self.selected
        box = self.query_one("#check-detail", Static)
        if step_id is None:
            box.update("")
            return
        outcome = self.outcomes.get(step_id)
        step = self.steps.get(step_id)
        title = getattr(outcome, "title", None) or getattr(step, "title", step_id)
        host = getattr(outcome, "host", None) or getattr(step, "host", None) or self.default_host or "?"
        state = self.state.get(step_id, "pending")
        lines = [literal.text(f"{title}  (on {host})", "bold")]
        if outcome is None:
            lines.append(literal.text({"running": "running…", "unanswered": "no answer: the check did not run"}
                                      .get(state, "not checked yet"), "dim"))
        else:
            lines.append(Text.assemble(literal.text("observed: ", "bold"), literal.text(outcome.observed or "")))
            if outcome.fix:
                lines.append(Text.assemble(literal.text("fix: ", "bold"), literal.text(outcome.fix)))
        box.update(Text("\n").join(lines))
