"""What the plan engine says while it runs a Plan: typed events, one stream per run.

The engine (tui.ops.engine) emits these in order; the TUI, the headless verbs, the journal
(tui.ops.journal) and the tests consume the same stream. Every event carries the run id, and
every step event the step id (Step.id, unique within its Plan), so a journal record can be
matched to the step it speaks of after a crash.

    PlanStarted                       once, first
    StepStarted                       a step begins (after its `done` probe said "not yet")
    StepSkipped                       its `done` probe said it is already done (idempotent rerun)
    OutputLine                        a line a step's command printed (stdout/stderr), as it came
    Waiting                           a wait step polled: attempt n of at most m, what it saw
    StepFinished                      ok / failed / cancelled, with the error in words
    UndoStarted / UndoFinished        the undo of a done step, newest first, when asked for
    PlanFinished                      once, last: ok / failed / cancelled, what ran, what did not

Pure data, no I/O: importable from every layer above tui.ops.
"""

from __future__ import annotations

import secrets as _secrets
import time
from dataclasses import dataclass, field
from enum import StrEnum


def new_run_id(now: float | None = None) -> str:
    """Sortable by time, like the action log's ids: `20261201T210326123456Z-1a2b3c4d`."""
    now = time.time() if now is None else now
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
    return f"{stamp}{int(now % 1 * 1e6):06d}Z-{_secrets.token_hex(4)}"


class StepState(StrEnum):
    PENDING = "pending"  # not reached (yet)
    RUNNING = "running"  # started, no end recorded: in progress, or the console died
    DONE = "done"
    SKIPPED = "skipped"  # its done probe held: nothing ran
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNDONE = "undone"  # done, then its undo ran successfully
    UNDO_FAILED = "undo-failed"


class PlanState(StrEnum):
    RUNNING = "running"  # no end recorded: in progress, or interrupted (resume it)
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNDONE = "undone"  # failed or cancelled, then the undo of the steps done ran


@dataclass(frozen=True, slots=True)
class PlanStarted:
    run_id: str
    title: str
    step_ids: tuple[str, ...]
    resumed: bool = False  # a resume of an earlier run (same run id)


@dataclass(frozen=True, slots=True)
class StepStarted:
    run_id: str
    step_id: str
    title: str
    host: str | None


@dataclass(frozen=True, slots=True)
class StepSkipped:
    run_id: str
    step_id: str
    reason: str  # what the done probe saw


@dataclass(frozen=True, slots=True)
class OutputLine:
    run_id: str
    step_id: str
    stream: str  # "stdout" | "stderr"
    text: str  # raw as the command wrote it: escape it (tui.plaintext) before showing it


@dataclass(frozen=True, slots=True)
class Waiting:
    run_id: str
    step_id: str
    attempt: int
    of: int
    observed: str  # what the probe saw this time, in words


@dataclass(frozen=True, slots=True)
class StepFinished:
    run_id: str
    step_id: str
    state: StepState  # DONE, FAILED or CANCELLED
    error: str | None = None
    duration: float = 0.0
    detail: str | None = None  # what a check or a wait observed (a check's warning)
    fix: str | None = None  # a check's fix to offer (failed, or warned)


@dataclass(frozen=True, slots=True)
class UndoStarted:
    run_id: str
    step_id: str
    title: str


@dataclass(frozen=True, slots=True)
class UndoFinished:
    run_id: str
    step_id: str
    state: StepState  # UNDONE or UNDO_FAILED
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PlanFinished:
    run_id: str
    state: PlanState
    done: tuple[str, ...] = ()  # step ids that ran (or were skipped as already done)
    not_done: tuple[str, ...] = ()  # step ids that did not
    error: str | None = None
    statement: str = ""  # in words: what was done and what was not
    undo_offered: tuple[str, ...] = field(default=())  # done steps with an undo, newest first


Event = (PlanStarted | StepStarted | StepSkipped | OutputLine | Waiting | StepFinished
         | UndoStarted | UndoFinished | PlanFinished)
