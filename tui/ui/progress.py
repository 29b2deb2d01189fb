"""Plan progress in the TUI: the engine's events as typed Textual messages, and their words.

The apply/undo workers pass `poster(app)` as a session.apply/undo listener: every engine event
(tui.ops.events) becomes a `PlanProgress` message posted to the app (post_message is safe from
any thread or loop), and one handler on the app turns it into the progress line. The text is
built here, Textual-free in spirit: `ProgressWords` remembers the plan's step order so a step
event can say "step 2/3".
"""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual.message import Message
from textual.widgets import Static

from tui.ops.events import (
    Event,
    OutputLine,
    PlanFinished,
    PlanStarted,
    StepFinished,
    StepSkipped,
    StepStarted,
    UndoFinished,
    UndoStarted,
    Waiting,
)
from tui.plaintext import one_line


class PlanProgress(Message):
    """One engine event of a running plan (or of its undo, `undo=True`)."""

    def __init__(self, event: Event, *, undo: bool = False) -> None:
        super().__init__()
        self.event = event
        self.undo = undo


def poster(target: Any, *, undo: bool = False) -> Callable[[Event], None]:
    """A session listener that posts each event to `target` (the app) as PlanProgress."""

    def listen(event: Event) -> None:
        target.post_message(PlanProgress(event, undo=undo))

    return listen


class ProgressWords:
    """What the progress line says for each event of one run (None: hide the line)."""

    def __init__(self) -> None:
        self.title = ""
        self.order: dict[str, int] = {}
        self.current = ""  # "step 2/3 title @ host"

    def _step(self, step_id: str) -> str:
        number = self.order.get(step_id)
        return f"step {number}/{len(self.order)}" if number else "step"

    def words(self, event: Event, *, undo: bool = False) -> str | None:
        if isinstance(event, PlanStarted):
            self.title = event.title
            self.order = {sid: n for n, sid in enumerate(event.step_ids, 1)}
            self.current = ""
            return f"{'undoing' if undo else 'running'} {event.title}"
        if isinstance(event, StepStarted):
            where = f" @ {event.host}" if event.host else ""
            self.current = f"{self._step(event.step_id)} {event.title}{where}"
            return self.current
        if isinstance(event, StepSkipped):
            return f"{self._step(event.step_id)} skipped: {event.reason}"
        if isinstance(event, OutputLine):
            return f"{self.current}: {event.text}" if self.current else event.text
        if isinstance(event, Waiting):
            return f"{self.current}: waiting {event.attempt}/{event.of}: {event.observed}"
        if isinstance(event, StepFinished):
            tail = f": {event.error}" if event.error else ""
            return f"{self._step(event.step_id)} {event.state}{tail}"
        if isinstance(event, UndoStarted):
            self.current = f"undo {self._step(event.step_id)} {event.title}"
            return self.current
        if isinstance(event, UndoFinished):
            tail = f": {event.error}" if event.error else ""
            return f"undo {self._step(event.step_id)} {event.state}{tail}"
        if isinstance(event, PlanFinished):
            self.current = ""
            return None
        return None


class ProgressLine(Static):
    """One line under the status line while a plan runs; hidden otherwise (no layout change)."""

    DEFAULT_CSS = """
    ProgressLine { height: 1; padding: 0 1; background: $accent 30%; display: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.words = ProgressWords()
        self.shown = ""  # the text as shown (tests)

    def show_event(self, event: Event, *, undo: bool = False) -> None:
        line = self.words.words(event, undo=undo)
        if line is None:
            self.shown = ""
            self.display = False
            return
        # every part came from a plan or a host: one escaped line, never markup
        self.shown = one_line(line)
        self.update(Text(self.shown, no_wrap=True, overflow="ellipsis", end=""))
        self.display = True
