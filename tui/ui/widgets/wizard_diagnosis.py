"""A Diagnosis (tui.ops.nodes.diagnose) drawn for the TUI: the verdict first, then the
evidence (where each was seen, ok / FAIL / --), then the fix.

The same order and words as render_diagnosis (the CLI's), styled: every piece came from a
cluster (log lines too), so each line is escaped and shown as literal text; a log excerpt
keeps its lines, one row each.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from tui.ui import literal

LEVEL_STYLE = {"ok": "bold green", "warn": "bold yellow", "fail": "bold red"}
MARK = {True: ("  ok", "green"), False: ("FAIL", "bold red"), None: ("  --", "dim")}


def diagnosis_text(d: Any) -> Text:
    level = str(getattr(d, "level", "fail"))
    rows = [Text.assemble(literal.text(f"{level.upper()}: ", LEVEL_STYLE.get(level, "bold")),
                          literal.text(getattr(d, "verdict", ""), LEVEL_STYLE.get(level, "bold"))),
            Text(""), literal.text("evidence:", "bold")]
    for e in getattr(d, "evidence", ()):
        first, *rest = (e.observed or "").split("\n") or [""]
        mark, style = MARK.get(e.ok, MARK[None])
        where = f"{e.host}: " if e.host else ""
        # the indents are our own spaces (a cluster string's own are escaped by literal.text)
        rows.append(Text.assemble("  ", literal.text(f"[{mark}]", style), " ", literal.text(where, "dim"),
                                  literal.text(f"{e.title}: ", "bold"), literal.text(first)))
        rows.extend(Text.assemble("         ", literal.text(f"| {line}", "dim")) for line in rest)
    fix = getattr(d, "fix", None)
    if fix:
        rows += [Text(""), Text.assemble(literal.text("fix: ", "bold"), literal.text(fix))]
    return Text("\n").join(rows)


class DiagnosisView(Static):
    """Shows a diagnosis, a line saying it is being made, or why it could not be."""

    DEFAULT_CSS = """
    DiagnosisView { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.diagnosis: Any = None
        self.shown = ""  # the plain text as shown (tests)

    def _set(self, text: Text) -> None:
        self.shown = text.plain
        self.update(text)

    def working(self, node: str) -> None:
        self.diagnosis = None
        self._set(literal.text(f"diagnosing {node}: asking the cluster nodes and the target (read-only)…",
                               "italic"))

    def failed(self, message: str) -> None:
        self.diagnosis = None
        self._set(literal.text(f"no diagnosis: {message}", "bold red"))

    def show(self, diagnosis: Any) -> None:
        self.diagnosis = diagnosis
        self._set(diagnosis_text(diagnosis))
