"""The journal: what each run of a Plan did, step by step, durably, so it can be resumed.

One JSONL file per run, `<state>/runs/<run_id>.jsonl` beside the action log (directory 0700,
files 0600, checked like the action log's: tui.remote.statedir). The first record describes
the run; then one record per engine event (tui.ops.events), each fsynced before the engine
goes on (output lines share the next record's fsync), so a console killed mid-plan leaves an
exact record of what ran:

    {"record": "run", "format": 1, "run_id": ..., "time": ..., "title": ...,
     "recipe": {"name": ..., "kwargs": {...}} | null, "cluster": ..., "demo": true|false,
     "steps": [{"id": ..., "title": ...}, ...], "version": ...,
     "plan": the plan as confirmed, drawn by tui.ops.render (secrets named, never shown)}
    {"record": "event", "event": "StepStarted", "run_id": ..., "step_id": ..., "time": ..., <fields>}
    ...

A resumed run appends to the same file (its PlanStarted has "resumed": true). Records are
ASCII JSON (ensure_ascii): exact, and safe to cat. Output lines are kept redacted (sensitive
CIB parameters, the plan's secret inputs) and cut at OUTPUT_LIMIT characters.

Reading tolerates a torn last line (the console died mid-write): it is skipped. `load` folds
the events into a RunRecord: the state of every step and of the run; a run with no
PlanFinished is RUNNING: still running (another console holds its lock) or interrupted.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Iterator, Mapping

from tui import __version__
from tui.ops import events as ev
from tui.ops.events import PlanState, StepState, new_run_id
from tui.ops.plan import Plan
from tui.ops.render import render_plan
from tui.pacemaker.sensitive import redact_text
from tui.remote import statedir
from tui.remote.actionlog import default_state_dir
from tui.remote.secret import Secret

FORMAT = 1
RUNS_DIR = "runs"
SUFFIX = ".jsonl"
OUTPUT_LIMIT = 4000  # characters of one output line kept; the action log keeps the rest
_EVENT_TYPES = {cls.__name__: cls for cls in (
    ev.PlanStarted, ev.StepStarted, ev.StepSkipped, ev.OutputLine, ev.Waiting, ev.StepFinished,
    ev.UndoStarted, ev.UndoFinished, ev.PlanFinished)}


class JournalError(Exception):
    """A run cannot be found, read or written; the message names it and says why."""


class RunBusy(JournalError):
    """Another console is running this run right now (it holds the journal's lock)."""


def valid_run_id(run_id: str) -> bool:
    """A run id is a file name of ours: no path, no dot-file, nothing a shell would mind."""
    return bool(run_id) and len(run_id) <= 100 and run_id[0].isalnum() and all(
        c.isascii() and (c.isalnum() or c in "-_") for c in run_id)


def runs_dir(state_dir: Path | str | None = None) -> Path:
    return Path(state_dir if state_dir is not None else default_state_dir()) / RUNS_DIR


# --- writing ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """An event field as JSON: enums by value, tuples as lists."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Secret):
        return repr(value)
    return value


def _secret_values(plan: Any) -> list[tuple[str, str]]:
    """(revealed text, its placeholder) for every Secret the plan's steps hold."""
    found: list[Secret] = []

    def collect(value: Any) -> None:
        if isinstance(value, Secret):
            found.append(value)
        elif isinstance(value, (tuple, list, set, frozenset)):
            for v in value:
                collect(v)
        elif isinstance(value, Mapping):
            for v in value.values():
                collect(v)

    for step in getattr(plan, "steps", ()):
        declared = getattr(step, "secret_inputs", None)
        if callable(declared):
            collect(tuple(declared()))
        if dataclasses.is_dataclass(step):
            for f in dataclasses.fields(step):
                collect(getattr(step, f.name, None))
    pairs = []
    for secret in found:
        text = secret.reveal().decode("utf-8", errors="replace")
        if len(text) >= 4:  # a tiny value would redact ordinary words
            pairs.append((text, repr(secret)))
    return sorted(pairs, key=lambda p: -len(p[0]))


class Journal:
    """A listener of the engine's events that persists them (call it with each event).

    `Journal(plan, cluster=..., demo=...)` for a new run: the file is made at PlanStarted, so
    a plan refused before it starts leaves no run behind. `Journal.reopen(run_id)` for a
    resume: events are appended to the run's file. While a run is in progress its file is
    locked (flock), so `load` can tell a running run from an interrupted one, and two consoles
    cannot resume the same run at once. The caller closes it when the run (and any undo that
    follows it) is over; an event after close() opens the file again to append."""

    def __init__(self, plan: Any, *, cluster: str | None, demo: bool,
                 state_dir: Path | str | None = None, resume_of: str | None = None,
                 default_host: str | None = None) -> None:
        self.plan = plan
        self.default_host = default_host  # where host-less steps run: named in the plan text
        self.cluster = cluster
        self.demo = demo
        self.directory = runs_dir(state_dir)
        self.run_id: str | None = resume_of
        self._resume = resume_of is not None
        self._fd: int | None = None
        self._secrets = _secret_values(plan)
        if self._resume:
            self._open(resume_of, create=False)

    @classmethod
    def reopen(cls, plan: Any, run_id: str, *, cluster: str | None, demo: bool,
               state_dir: Path | str | None = None) -> "Journal":
        """The journal of an earlier run, locked, to append a resume to."""
        return cls(plan, cluster=cluster, demo=demo, state_dir=state_dir, resume_of=run_id)

    @classmethod
    def continuing(cls, plan: Any, run_id: str, *, cluster: str | None, demo: bool,
                   state_dir: Path | str | None = None) -> "Journal":
        """A journal that appends to run `run_id` from its first event (an undo chosen after
        the run ended); made afresh, with its run record, if that run has none."""
        journal = cls(plan, cluster=cluster, demo=demo, state_dir=state_dir)
        journal.run_id = run_id
        return journal

    @property
    def path(self) -> Path | None:
        return self.directory / f"{self.run_id}{SUFFIX}" if self.run_id else None

    def listener(self, event: ev.Event) -> None:
        """The engine's listener: one fsynced record per event."""
        if isinstance(event, ev.PlanStarted) and self._fd is None:
            self.run_id = event.run_id
            self._open(event.run_id, create=True)
            self._write(self._header(event.run_id, event.title))
        if self._fd is None:
            if self.run_id is None:
                return  # an event before PlanStarted: the engine's contract says there is none
            fresh = not self.path.exists()  # an undo after close(): appended to its run
            self._open(self.run_id, create=fresh)
            if fresh:  # its journal is gone (or it never had one): a run record first
                self._write(self._header(self.run_id, getattr(self.plan, "title", "")))
        # output lines are written at once but share the next state record's fsync: a command
        # printing thousands of lines must not cost an fsync each (a killed console loses
        # nothing written; a machine crash at worst the last lines of output, never a state)
        self._write(self._record(event), sync=not isinstance(event, ev.OutputLine))

    __call__ = listener

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock
            self._fd = None

    def _open(self, run_id: str, *, create: bool) -> None:
        if not valid_run_id(run_id):
            raise JournalError(f"not a run id: {run_id!r}")
        statedir.prepare(self.directory.parent)
        statedir.prepare(self.directory)
        path = self.directory / f"{run_id}{SUFFIX}"
        flags = os.O_RDWR | os.O_APPEND | (os.O_CREAT | os.O_EXCL if create else 0)
        try:
            fd = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:
            raise JournalError(f"run {run_id} already has a journal ({path})") from None
        except FileNotFoundError:
            raise JournalError(f"no run {run_id} ({path} does not exist)") from None
        except OSError as exc:
            raise JournalError(f"cannot open the journal {path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise RunBusy(f"run {run_id} is being run by another console right now") from None
        if create:
            _fsync_dir(self.directory)  # the new name survives a crash too
        else:
            _end_with_newline(fd)  # a torn last line: our records start on a line of their own
        self._fd = fd

    def _write(self, record: dict, *, sync: bool = True) -> None:
        line = json.dumps(record, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"
        view = memoryview(line)
        while view:
            view = view[os.write(self._fd, view):]
        if sync:
            os.fsync(self._fd)

    def _header(self, run_id: str, title: str) -> dict:
        recipe = getattr(self.plan, "recipe", None)
        steps = [{"id": str(getattr(s, "id", "")), "title": str(getattr(s, "title", ""))}
                 for s in getattr(self.plan, "steps", ())]
        return {
            "record": "run", "format": FORMAT, "run_id": run_id, "time": time.time(),
            "title": str(getattr(self.plan, "title", title)),
            "recipe": None if recipe is None else {"name": recipe[0], "kwargs": _plain(recipe[1])},
            "cluster": self.cluster, "demo": bool(self.demo), "steps": steps,
            "version": __version__, "plan": self._plan_text(),
        }

    def _plan_text(self) -> str | None:
        """The plan as the user confirmed it (tui.ops.render, the one renderer): secrets are
        named, never shown."""
        if not isinstance(self.plan, Plan):
            return None
        return render_plan(self.plan, self.default_host)

    def _record(self, event: ev.Event) -> dict:
        data = {f.name: _plain(getattr(event, f.name)) for f in dataclasses.fields(event)}
        if isinstance(event, ev.OutputLine):
            data["text"] = self._scrub(event.text)
        return {"record": "event", "event": type(event).__name__, "time": time.time(), **data}

    def _scrub(self, text: str) -> str:
        for value, placeholder in self._secrets:
            text = text.replace(value, placeholder)
        text = redact_text(text)
        return text if len(text) <= OUTPUT_LIMIT else text[:OUTPUT_LIMIT] + f"... [{len(text)} chars]"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _end_with_newline(fd: int) -> None:
    size = os.fstat(fd).st_size
    if size and os.pread(fd, 1, size - 1) != b"\n":
        os.write(fd, b"\n")
        os.fsync(fd)


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepRecord:
    id: str
    title: str
    state: StepState = StepState.PENDING
    error: str | None = None
    host: str | None = None
    skipped_because: str | None = None  # what the done probe saw
    detail: str | None = None  # what it observed when it ended (a check, a wait, the disconnect windows)


@dataclass(frozen=True, slots=True)
class RunRecord:
    run_id: str
    path: Path
    title: str
    recipe: tuple[str, dict] | None
    cluster: str | None
    demo: bool
    version: str | None
    started: float | None  # the first record's time
    steps: tuple[StepRecord, ...]
    state: PlanState
    busy: bool = False  # another console holds its lock: RUNNING means running, not interrupted
    finished: float | None = None
    error: str | None = None
    statement: str = ""
    resumes: int = 0  # how many times it was resumed
    torn: int = 0  # lines that could not be read (a torn last line)
    plan_text: str | None = None  # the plan as rendered when the run started

    @property
    def interrupted(self) -> bool:
        return self.state is PlanState.RUNNING and not self.busy

    @property
    def state_word(self) -> str:
        """done / failed / cancelled / undone / running / interrupted."""
        if self.state is PlanState.RUNNING:
            return "running" if self.busy else "interrupted"
        return self.state.value

    @property
    def steps_done(self) -> int:
        return sum(1 for s in self.steps if s.state in (StepState.DONE, StepState.SKIPPED))

    def step(self, step_id: str) -> StepRecord | None:
        return next((s for s in self.steps if s.id == step_id), None)

    @property
    def step_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.steps)

    def as_dict(self) -> dict:
        return {
            "run_id": self.run_id, "title": self.title, "state": self.state_word,
            "recipe": None if self.recipe is None else {"name": self.recipe[0], "kwargs": self.recipe[1]},
            "cluster": self.cluster, "demo": self.demo, "version": self.version,
            "started": self.started, "finished": self.finished, "error": self.error,
            "statement": self.statement, "resumes": self.resumes, "plan": self.plan_text,
            "steps_done": self.steps_done, "steps_total": len(self.steps),
            "steps": [{"id": s.id, "title": s.title, "state": s.state.value, "error": s.error,
                       "host": s.host, "skipped_because": s.skipped_because} for s in self.steps],
        }


def read_records(path: Path) -> tuple[list[dict], int]:
    """The records of a journal file in order, and how many lines were unreadable (torn)."""
    records, torn = [], 0
    with open(path, "rb") as f:
        for raw in f:
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except ValueError:
                torn += 1
                continue
            if isinstance(record, dict):
                records.append(record)
            else:
                torn += 1
    return records, torn


def _locked_elsewhere(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def fold(path: Path, records: list[dict], torn: int = 0, busy: bool = False) -> RunRecord:
    """The run a journal's records tell of."""
    if not records or records[0].get("record") != "run":
        raise JournalError(f"{path}: not a run journal (no run record first)")
    head = records[0]
    steps: dict[str, dict] = {}
    for s in head.get("steps") or []:
        if isinstance(s, dict) and "id" in s:
            steps[str(s["id"])] = {"id": str(s["id"]), "title": str(s.get("title", ""))}
    state, finished, error, statement, resumes = PlanState.RUNNING, None, None, "", 0
    for record in records[1:]:
        if record.get("record") != "event":
            continue
        kind = record.get("event")
        step = steps.get(str(record.get("step_id"))) if "step_id" in record else None
        if kind == "PlanStarted":
            state, finished, error, statement = PlanState.RUNNING, None, None, ""
            resumes += bool(record.get("resumed"))
        elif kind == "PlanFinished":
            state = _enum(PlanState, record.get("state"), PlanState.RUNNING)
            finished, error = record.get("time"), record.get("error")
            statement = str(record.get("statement") or "")
        elif step is None:
            continue
        elif kind == "StepStarted":
            step.update(state=StepState.RUNNING, error=None, detail=None, host=record.get("host"))
        elif kind == "StepSkipped":  # a step that ran before this resume stays DONE
            kept = step.get("state") if step.get("state") is StepState.DONE else StepState.SKIPPED
            step.update(state=kept, error=None, skipped_because=record.get("reason"))
        elif kind in ("StepFinished", "UndoFinished"):
            step.update(state=_enum(StepState, record.get("state"), StepState.RUNNING),
                        error=record.get("error"))
            if kind == "StepFinished":
                step.update(detail=record.get("detail"))
    recipe = head.get("recipe")
    return RunRecord(
        run_id=str(head.get("run_id") or path.stem), path=path,
        title=str(head.get("title") or ""),
        recipe=(str(recipe["name"]), dict(recipe.get("kwargs") or {}))
        if isinstance(recipe, dict) and "name" in recipe else None,
        cluster=head.get("cluster"), demo=bool(head.get("demo")), version=head.get("version"),
        started=head.get("time") if isinstance(head.get("time"), (int, float)) else None,
        steps=tuple(StepRecord(**s) for s in steps.values()), state=state, busy=busy,
        finished=finished, error=error, statement=statement, resumes=resumes, torn=torn,
        plan_text=head.get("plan") if isinstance(head.get("plan"), str) else None,
    )


def _enum(kind, value, default):
    try:
        return kind(value)
    except ValueError:
        return default


def load(run_id: str, state_dir: Path | str | None = None) -> RunRecord:
    """The run with this id; JournalError (naming it) when there is none or it is unreadable."""
    if not valid_run_id(run_id):
        raise JournalError(f"no run {run_id!r}: not a run id (they look like 20261201T210326123456Z-1a2b3c4d)")
    path = runs_dir(state_dir) / f"{run_id}{SUFFIX}"
    try:
        records, torn = read_records(path)
    except FileNotFoundError:
        raise JournalError(f"no run {run_id} in {runs_dir(state_dir)}") from None
    except OSError as exc:
        raise JournalError(f"cannot read the journal {path}: {exc.strerror or exc}") from None
    return fold(path, records, torn, _locked_elsewhere(path))


def _paths(state_dir: Path | str | None) -> Iterator[Path]:
    directory = runs_dir(state_dir)
    if not directory.is_dir():
        return iter(())
    return (p for p in directory.iterdir() if p.suffix == SUFFIX and valid_run_id(p.stem))


def runs(state_dir: Path | str | None = None) -> list[RunRecord]:
    """Every run in the journal directory, newest first (run ids sort by start time); a file
    that is not a journal is left out."""
    found = []
    for path in sorted(_paths(state_dir), key=lambda p: p.stem, reverse=True):
        try:
            found.append(load(path.stem, state_dir))
        except JournalError:
            continue
    return found


# --- resuming -----------------------------------------------------------------------------


class ResumeRefused(JournalError):
    """The run cannot be resumed as asked; the message says why and what would allow it."""


def has_done_probe(step: Any) -> bool:
    """Whether the engine re-probes this step before running it (so a rerun is idempotent)."""
    declared = getattr(step, "has_done_probe", None)
    if isinstance(declared, bool):
        return declared
    # file steps carry their own: the wanted content (and owner, mode) already there
    return getattr(step, "done", None) is not None or type(step).__name__ in ("WriteFileStep", "EnvFileStep")


@dataclass(frozen=True, slots=True)
class ResumePlan:
    """What a resume does with each step: `skip` (step id -> reason, for the engine), the
    steps the engine re-probes, the ones it runs again."""

    skip: dict[str, str]
    reprobe: tuple[str, ...]
    rerun: tuple[str, ...]


def plan_resume(plan: Any, run: RunRecord, force_rerun: frozenset[str] | set[str] = frozenset(),
                assume_done: frozenset[str] | set[str] = frozenset()) -> ResumePlan:
    """How to continue `run` with `plan` (rebuilt from its recipe). Raises ResumeRefused when
    the plan's steps are not the journal's, or a changing step was interrupted while it ran
    and nothing can tell whether it took effect (no done probe), unless `force_rerun` (run it
    again) or `assume_done` (it did take effect: skip it) names it.

    - a step the journal says DONE or SKIPPED: skipped, when it changes something and has no
      done probe (the journal is the only witness); else the engine probes or reruns it —
      a read (wait, check) or in-process work (a LocalStep, whose output later steps need)
      always runs again;
    - a step with a done probe: the engine re-probes it, whatever the journal says;
    - a changing step marked idempotent (running it twice is running it once): runs again;
    - a changing step without a probe that was interrupted or cancelled while it ran: refused
      (it may or may not have taken effect) unless force_rerun or assume_done names it;
    - everything else (pending, failed, undone): runs again."""
    ids = tuple(str(s.id) for s in plan.steps)
    if ids != run.step_ids:
        raise ResumeRefused(
            f"run {run.run_id}: the plan changed since it ran (steps now {_listed(ids)}; "
            f"the journal has {_listed(run.step_ids)}): nothing ran; start a new apply")
    for option, named in (("--force-rerun", force_rerun), ("--assume-done", assume_done)):
        unknown = sorted(set(named) - set(ids))
        if unknown:
            raise ResumeRefused(f"{option} {_listed(unknown)}: no such step in run {run.run_id} "
                                f"(its steps: {_listed(ids)})")
    both = sorted(set(force_rerun) & set(assume_done))
    if both:
        raise ResumeRefused(f"--force-rerun and --assume-done both name {_listed(both)}: choose one")
    skip: dict[str, str] = {}
    reprobe, rerun = [], []
    for step in plan.steps:
        record = run.step(str(step.id))
        state = record.state if record else StepState.PENDING
        mutates = bool(getattr(step, "mutates", True))
        if has_done_probe(step):
            reprobe.append(step.id)
        elif not mutates:
            rerun.append(step.id)
        elif step.id in force_rerun:
            rerun.append(step.id)
        elif step.id in assume_done:
            skip[step.id] = "assumed done (--assume-done)"
        elif getattr(step, "idempotent", False):
            rerun.append(step.id)
        elif state in (StepState.DONE, StepState.SKIPPED):
            skip[step.id] = f"done in run {run.run_id} (journal), no probe to check it again"
        elif state in (StepState.RUNNING, StepState.CANCELLED):  # killed mid-step, either way
            raise ResumeRefused(
                f"run {run.run_id}: step {step.id} ({getattr(step, 'title', '')}) was "
                f"{'cancelled' if state is StepState.CANCELLED else 'interrupted'} while it "
                "ran, and nothing can tell whether it took effect (it has no done probe): it may or "
                f"may not have run. Check by hand, then resume with --force-rerun {step.id} to run "
                f"it again, or --assume-done {step.id} if it did take effect; nothing ran")
        else:
            rerun.append(step.id)
    return ResumePlan(skip, tuple(reprobe), tuple(rerun))


def _listed(ids) -> str:
    return ", ".join(str(i) for i in ids) or "none"
