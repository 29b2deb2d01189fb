"""Run a Plan through the worker pool, emitting the typed events of tui.ops.events.

    result = await run_plan(plan, pool, default_host=..., read_only=..., listeners=[print])
    if not result.ok and result.undo_offered:
        await undo_steps(result, pool, default_host=..., read_only=...)

Order per step: `skip` (the journal says done) or its `done` probe (already done -> skipped),
then StepStarted, the step's commands (a precondition and a verify around a RunStep's argv),
StepFinished. The first failure stops the plan; PlanFinished states what was done and what
was not and which done steps can be undone (newest first). Every command carries the run id
and the step id into the action log; probes are reads (not actions: they stay out of it).

The run context (PlanResult.context) holds what steps hand on: a LocalStep's output (a
Described value's detail becomes its step's detail), a RunStep's stdout under its `output`,
and for the steps' functions READ (a read through the pool with the run and step ids) and
TASKS (background tasks, cancelled when the run ends however it ends).

Cancel (the `cancel` event) between steps stops before the next one; inside a step it
cancels the pool task, which kills the remote process group. A step's timeout kills a hung
command the same way. Read-only mode refuses a mutating plan before anything runs.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from tui.ops import files
from tui.ops.events import (
    Event,
    OutputLine,
    PlanFinished,
    PlanStarted,
    PlanState,
    StepFinished,
    StepSkipped,
    StepStarted,
    StepState,
    UndoFinished,
    UndoStarted,
    Waiting,
    new_run_id,
)
from tui.ops.plan import (
    CheckStep,
    Content,
    Described,
    EnvFileStep,
    LocalStep,
    Plan,
    ReadSecretStep,
    Ref,
    RunStep,
    Step,
    Verdict,
    WaitStep,
    WriteFileStep,
)
from tui.remote.secret import Secret
from tui.remote.transport import CommandResult, ReadOnlyError, TransportError

Listener = Callable[[Event], Any]

# run-context keys the engine fills for the steps' functions (LocalStep, probe and check fns):
# READ: `async read(host, argv, timeout) -> CommandResult`, a read through the pool carrying
#       the run id and the id of the step that looked it up (host None: the default host);
# TASKS: a list where a step may put asyncio tasks that outlive it (a watch): the engine
#       cancels and awaits every one when the run ends, however it ends.
READ = "engine:read"
TASKS = "engine:tasks"


# --- results ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepOutcome:
    step: Step
    host: str | None
    phase: str  # where it ended: "done-probe", "precondition", "run", "verify", "wait", "check", ...
    result: CommandResult | None = None  # the last command it ran
    error: str | None = None
    state: StepState | None = None  # None: DONE, or FAILED when error/result say so
    detail: str | None = None  # what a check or a wait observed; why it was skipped
    fix: str | None = None  # a failed check's fix
    undo: Any = None  # what its undo needs (a file step: the backup, or None for "remove")

    def __post_init__(self) -> None:
        if self.state is None:
            failed = self.error is not None or (self.result is not None and not self.result.ok)
            object.__setattr__(self, "state", StepState.FAILED if failed else StepState.DONE)

    @property
    def ok(self) -> bool:
        return self.state in (StepState.DONE, StepState.SKIPPED)

    @property
    def ran(self) -> bool:
        return self.state is StepState.DONE

    @property
    def undoable(self) -> bool:
        return self.ran and self.step.has_undo


@dataclass(frozen=True)
class PlanResult:
    plan: Plan
    outcomes: tuple[StepOutcome, ...]
    run_id: str = ""
    state: PlanState | None = None  # None: DONE when every step ended ok, else FAILED
    context: dict = field(default_factory=dict)  # LocalStep outputs by key

    def __post_init__(self) -> None:
        if self.state is None:
            whole = len(self.outcomes) == len(self.plan.steps) and all(o.ok for o in self.outcomes)
            object.__setattr__(self, "state", PlanState.DONE if whole else PlanState.FAILED)

    @property
    def ok(self) -> bool:
        return self.state is PlanState.DONE

    @property
    def failed(self) -> StepOutcome | None:
        return next((o for o in self.outcomes if not o.ok), None)

    @property
    def done_ids(self) -> tuple[str, ...]:
        return tuple(o.step.id for o in self.outcomes if o.ok)

    @property
    def not_done_ids(self) -> tuple[str, ...]:
        done = set(self.done_ids)
        return tuple(s.id for s in self.plan.steps if s.id not in done)

    @property
    def undo_offered(self) -> tuple[str, ...]:
        """Done steps that have an undo, newest first."""
        return tuple(o.step.id for o in reversed(self.outcomes) if o.undoable)

    def summary(self) -> str:
        if self.ok:
            skipped = sum(o.state is StepState.SKIPPED for o in self.outcomes)
            if skipped == len(self.outcomes):
                return f"{self.plan.title}: already done; nothing ran"
            return (f"{self.plan.title}: done ({len(self.outcomes)} step(s)"
                    + (f", {skipped} already done)" if skipped else ")"))
        bad = self.failed
        if self.state is PlanState.CANCELLED:
            return f"{self.plan.title}: cancelled; {self.statement()}"
        if bad is None:
            return f"{self.plan.title}: incomplete; {self.statement()}"
        number = self.plan.steps.index(bad.step) + 1
        return (f"{self.plan.title}: step {number} ({bad.step.title}) failed at {bad.phase}: "
                f"{bad.error or result_text(bad.result)}")

    def statement(self) -> str:
        """In words: what was done and what was not."""
        by_id = {o.step.id: o for o in self.outcomes}
        groups: dict[str, list[str]] = {}
        for number, step in enumerate(self.plan.steps, 1):
            outcome = by_id.get(step.id)
            word = {StepState.DONE: "done", StepState.SKIPPED: "already done",
                    StepState.FAILED: "failed", StepState.CANCELLED: "cancelled"}.get(
                        outcome.state if outcome else None, "not run")
            groups.setdefault(word, []).append(f"{number}. {step.title}")
        order = ("done", "already done", "failed", "cancelled", "not run")
        return "; ".join(f"{word}: {', '.join(groups[word])}" for word in order if word in groups)


def result_text(result: CommandResult | None) -> str:
    if result is None:
        return "did not run"
    if result.timed_out:
        return result.error or "timed out (killed)"
    if result.error:
        return result.error
    text = (result.stderr or result.stdout).decode(errors="replace").strip().splitlines()
    return f"exit {result.exit_status}" + (f": {text[-1]}" if text else "")


# --- events -------------------------------------------------------------------------------------

class _Emitter:
    """Hands each event to every listener in order; awaits the async ones."""

    def __init__(self, listeners: Iterable[Listener]) -> None:
        self.listeners = tuple(listeners)
        self.pending: list = []

    def nowait(self, event: Event) -> None:
        for listener in self.listeners:
            maybe = listener(event)
            if inspect.isawaitable(maybe):
                self.pending.append(maybe)

    async def __call__(self, event: Event) -> None:
        self.nowait(event)
        await self.flush()

    async def flush(self) -> None:
        while self.pending:
            await self.pending.pop(0)


class _Lines:
    """Chunks of output -> OutputLine events, one per line as it completes."""

    def __init__(self, emit: _Emitter, run_id: str, step_id: str) -> None:
        self.emit, self.run_id, self.step_id = emit, run_id, step_id
        self.partial = {"stdout": b"", "stderr": b""}

    def feed(self, stream: str, chunk: bytes) -> None:
        data = self.partial.get(stream, b"") + chunk
        *lines, self.partial[stream] = data.split(b"\n")
        for line in lines:
            self.emit.nowait(OutputLine(self.run_id, self.step_id, stream, _text(line)))

    def close(self) -> None:
        for stream, rest in self.partial.items():
            if rest:
                self.emit.nowait(OutputLine(self.run_id, self.step_id, stream, _text(rest)))
        self.partial = {"stdout": b"", "stderr": b""}


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace").rstrip("\r")


class StepFailed(Exception):
    def __init__(self, phase: str, error: str, result: CommandResult | None = None,
                 fix: str | None = None) -> None:
        super().__init__(error)
        self.phase, self.error, self.result, self.fix = phase, error, result, fix


# --- running one step ---------------------------------------------------------------------------

class _StepRun:
    """One step on one host: its commands go through the pool with the run and step ids."""

    def __init__(self, plan: Plan, step: Step, host: str, pool, run_id: str, emit: _Emitter,
                 context: dict) -> None:
        self.plan, self.step, self.host, self.pool = plan, step, host, pool
        self.run_id, self.emit, self.context = run_id, emit, context
        self.last: CommandResult | None = None
        self.lines = _Lines(emit, run_id, step.id)
        self.started = False  # StepStarted emitted (its done probe said "not yet")

    async def command(self, argv, phase: str, *, mutates: bool = False, stdin=None,
                      read: bool = False, show: bool = False) -> CommandResult:
        purpose = f"{self.plan.title}: {self.step.title}" + ("" if phase == "run" else f" ({phase})")
        try:
            result = await self.pool.run(
                self.host, tuple(argv), purpose=purpose, mutates=mutates and not read,
                stdin=stdin, timeout=self.step.timeout, read=read,
                on_output=self.lines.feed if show else None,
                run_id=self.run_id, step_id=self.step.id,
            )
        except (TransportError, ReadOnlyError) as exc:
            raise StepFailed(phase, str(exc)) from None
        finally:
            if show:
                self.lines.close()
            await self.emit.flush()
        self.last = result
        if result.timed_out:
            raise StepFailed(phase, f"timed out after {self.step.timeout:g}s (killed): "
                                    f"{' '.join(argv[:2])}", result)
        return result

    async def must(self, argv, phase: str, **kwargs) -> CommandResult:
        result = await self.command(argv, phase, **kwargs)
        if not result.ok:
            raise StepFailed(phase, result_text(result), result)
        return result

    def content(self, value: Content | None) -> bytes | Secret | None:
        if isinstance(value, Ref):
            if value.key not in self.context:
                raise StepFailed("input", f"no output named {value.key!r} from an earlier step")
            value = self.context[value.key]
            if isinstance(value, str):
                value = value.encode()
            if not isinstance(value, (bytes, Secret)):
                raise StepFailed("input", f"the output {value!r} is not bytes or text")
        return value

    # -- done probes: a reason when already done, None when not

    async def already_done(self) -> str | None:
        step = self.step
        if step.done is not None:
            result = await self.command(step.done.argv, "done-probe", read=True)
            if step.done.check(result):
                return step.done.says or f"{' '.join(step.done.argv)} holds"
        if isinstance(step, WriteFileStep):
            content = self.content(step.content)
            raw = content.reveal() if isinstance(content, Secret) else content
            if await self.file_is(step.path, raw, step.owner, step.group, step.mode):
                return f"{step.path} already has this content, {step.owner}:{step.group} {step.mode:04o}"
        if isinstance(step, EnvFileStep):
            before, _, after = await self.env_edit(step)
            if before == after:
                return f"{step.path} already has these settings"
        return None

    async def file_is(self, path: str, content: bytes, owner: str, group: str, mode: int) -> bool:
        digest = await self.command(files.sha256(path), "done-probe", read=True)
        if not digest.ok or files.parse_sha256(digest.stdout) != files.digest(content):
            return False
        stat = await self.command(files.stat_owner_mode(path), "done-probe", read=True)
        return stat.ok and files.parse_stat(stat.stdout) == (owner, group, mode)

    # -- the kinds

    async def execute(self) -> StepOutcome:
        step = self.step
        if isinstance(step, RunStep):
            return await self.run_step(step)
        if isinstance(step, WriteFileStep):
            content = self.content(step.content)
            undo = await self.write(step.path, content, step.owner, step.group, step.mode)
            return self.outcome("run", undo=undo)
        if isinstance(step, EnvFileStep):
            return await self.env_step(step)
        if isinstance(step, LocalStep):
            value = await _call(step.run, self.context)
            detail = None
            if isinstance(value, Described):
                value, detail = value.value, value.detail
            if step.output:
                self.context[step.output] = value
            return self.outcome("run", detail=detail)
        if isinstance(step, ReadSecretStep):
            result = await self.must(files.cat(step.path), "read", read=True)
            self.context[step.output] = Secret(result.stdout, f"{step.path} on {self.host}")
            return self.outcome("read", detail=f"{len(result.stdout)} bytes read")
        if isinstance(step, WaitStep):
            return await self.wait_step(step)
        if isinstance(step, CheckStep):
            return await self.check_step(step)
        raise TypeError(f"not a step: {type(step).__name__}")

    def outcome(self, phase: str, **kwargs) -> StepOutcome:
        return StepOutcome(self.step, self.host, phase, self.last, state=StepState.DONE, **kwargs)

    async def run_step(self, step: RunStep) -> StepOutcome:
        if step.precondition:
            await self.must(step.precondition, "precondition", read=True)
        result = await self.must(step.argv, "run", mutates=step.mutates, stdin=self.content(step.stdin),
                                 show=True)
        if step.output:
            self.context[step.output] = result.stdout
        if step.verify:
            await self.must(step.verify, "verify", read=True)
        return self.outcome("verify" if step.verify else "run", undo=step.undo)

    async def write(self, path: str, content, owner: str, group: str, mode: int) -> str | None:
        """Write atomically with a backup; returns the backup path (None: there was no file)."""
        tmp, backup = files.temp_path(path, self.run_id), files.backup_path(path, self.run_id)
        raw = content.reveal() if isinstance(content, Secret) else content
        there = await self.command(files.exists(path), "write", read=True)
        if there.exit_status not in (0, 1):
            raise StepFailed("write", f"cannot tell whether {path} exists: {result_text(there)}", there)
        existed = there.exit_status == 0
        if existed:
            await self.must(files.copy(path, backup), "backup", mutates=True)
        else:
            await self.must(files.make_dir(path), "write", mutates=True)
        try:
            await self.must(files.install_stdin(tmp, owner, group, mode), "write", mutates=True,
                            stdin=content)
            await self.must(files.move(tmp, path), "write", mutates=True)
        except StepFailed:
            await self.cleanup(tmp)
            raise
        if not await self.file_is(path, raw, owner, group, mode):
            raise StepFailed("verify", f"{path} does not hold what was written "
                                       f"({owner}:{group} {mode:04o}, {len(raw)} bytes)")
        return backup if existed else None

    async def cleanup(self, tmp: str) -> None:
        try:
            await self.command(files.remove(tmp), "clean up", mutates=True)
        except StepFailed:
            pass  # the failure that brought us here is the one to report

    async def env_edit(self, step: EnvFileStep) -> tuple[str, tuple[str, str, int], str]:
        """(text now, (owner, group, mode) to write with, text after the edit); cached."""
        cached = self.context.get(("env-edit", step.id))
        if cached is not None:
            return cached
        there = await self.command(files.exists(step.path), "read", read=True)
        if there.exit_status not in (0, 1):
            raise StepFailed("read", f"cannot tell whether {step.path} exists: {result_text(there)}", there)
        before, keep = "", (step.owner, step.group, step.mode)
        if there.exit_status == 0:
            text = await self.must(files.cat(step.path), "read", read=True)
            before = text.stdout.decode("utf-8", "surrogateescape")
            stat = await self.must(files.stat_owner_mode(step.path), "read", read=True)
            keep = files.parse_stat(stat.stdout) or keep
        values = {k: (v.reveal().decode() if isinstance(v, Secret) else v) for k, v in step.set.items()}
        try:
            after = files.edit_env_file(before, values, step.unset)
        except ValueError as exc:
            raise StepFailed("edit", str(exc)) from None
        self.context[("env-edit", step.id)] = (before, keep, after)
        return before, keep, after

    async def env_step(self, step: EnvFileStep) -> StepOutcome:
        before, (owner, group, mode), after = await self.env_edit(step)
        self.context.pop(("env-edit", step.id), None)
        if step.before is not None and before != step.before:
            raise StepFailed("read", f"{step.path} changed since the review; nothing written")
        data = after.encode("utf-8", "surrogateescape")
        content = Secret(data, f"{step.path} content") if step.secret_inputs() else data
        undo = await self.write(step.path, content, owner, group, mode)
        return self.outcome("run", undo=undo)

    async def probe(self, probe, holds, phase: str):
        if callable(probe):
            return await _call(probe, self.context)
        result = await self.command(probe, phase, read=True)
        if holds is not None:
            return holds(result)
        text = (result.stdout or result.stderr).decode("utf-8", "replace").strip()
        return result.ok, (text.splitlines()[-1] if text else f"exit {result.exit_status}")

    async def wait_step(self, step: WaitStep) -> StepOutcome:
        observed = "nothing yet"
        for attempt in range(1, step.attempts + 1):
            holds, observed = await self.probe(step.probe, step.holds, "wait")
            await self.emit(Waiting(self.run_id, step.id, attempt, step.attempts, observed))
            if holds:
                return self.outcome("wait", detail=observed)
            if attempt < step.attempts:
                await asyncio.sleep(step.interval)
        raise StepFailed("wait", f"did not hold after {step.attempts} attempt(s); last seen: {observed}",
                         self.last)

    async def check_step(self, step: CheckStep) -> StepOutcome:
        if callable(step.probe):
            verdict = await _call(step.probe, self.context)
        else:
            result = await self.command(step.probe, "check", read=True)
            verdict = step.judge(result) if step.judge else _default_verdict(result)
        if not isinstance(verdict, Verdict):
            raise StepFailed("check", f"the check gave {type(verdict).__name__}, not a Verdict")
        fix = verdict.fix or step.fix
        if verdict.level == "fail":
            raise StepFailed("check", verdict.observed + (f" (fix: {fix})" if fix else ""), self.last, fix)
        return self.outcome("check", detail=verdict.observed if verdict.level == "ok" else f"warning: {verdict.observed}",
                            fix=fix if verdict.level == "warn" else None)


def _default_verdict(result: CommandResult) -> Verdict:
    text = (result.stdout or result.stderr).decode("utf-8", "replace").strip()
    return Verdict("ok" if result.ok else "fail", text or result_text(result))


async def _call(fn, *args):
    value = fn(*args)
    if inspect.isawaitable(value):
        value = await value
    return value


# --- the plan -----------------------------------------------------------------------------------

async def run_plan(
    plan: Plan,
    pool,
    *,
    default_host: str,
    read_only: bool,
    run_id: str | None = None,
    listeners: Sequence[Listener] = (),
    cancel: asyncio.Event | None = None,
    skip: Mapping[str, str] | None = None,
    resumed: bool = False,
    context: dict | None = None,
) -> PlanResult:
    """Run `plan`'s steps in order, stopping at the first failure (see the module doc).
    skip: step id -> why it counts as done (a resume: "done per the journal").
    Raises ReadOnlyError, before anything runs, for a mutating plan in read-only mode."""
    if read_only and plan.mutates:
        raise ReadOnlyError(f"read-only mode: refused {plan.title!r}; nothing ran")
    run_id = run_id or new_run_id()
    skip = dict(skip or {})
    context = {} if context is None else context
    emit = _Emitter(listeners)
    context.setdefault(TASKS, [])
    try:
        return await _run_steps(plan, pool, default_host, run_id, emit, context, cancel, skip, resumed)
    finally:
        await _end_tasks(context)


async def _end_tasks(context: dict) -> None:
    """Cancel and await what the steps left running (a watch), so none outlives its run."""
    tasks = [t for t in context.get(TASKS, ()) if isinstance(t, asyncio.Future)]
    context[TASKS] = []
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.shield(asyncio.gather(*tasks, return_exceptions=True))


def _reader(pool, run_id: str, step: Step, default_host: str):
    """The READ function for the steps' functions: a read with the run and step ids."""
    async def read(host: str | None, argv, timeout: float | None = None) -> CommandResult:
        return await pool.run(host or default_host, tuple(argv), purpose=f"{step.title} (read)",
                              mutates=False, timeout=timeout or step.timeout, read=True,
                              run_id=run_id, step_id=step.id)
    return read


async def _run_steps(plan, pool, default_host, run_id, emit, context, cancel, skip, resumed) -> PlanResult:
    await emit(PlanStarted(run_id, plan.title, tuple(s.id for s in plan.steps), resumed=resumed))
    outcomes: list[StepOutcome] = []
    state = PlanState.DONE
    try:
        for step in plan.steps:
            if cancel is not None and cancel.is_set():
                state = PlanState.CANCELLED
                break
            host = step.host or default_host
            outcome = await _one_step(plan, step, host, pool, run_id, emit, context, cancel, skip)
            outcomes.append(outcome)
            if outcome.state is StepState.CANCELLED:
                state = PlanState.CANCELLED
                break
            if not outcome.ok:
                state = PlanState.FAILED
                break
    except asyncio.CancelledError:  # the caller's task was cancelled: say so, then go
        state = PlanState.CANCELLED
        result = PlanResult(plan, tuple(outcomes), run_id, state, context)
        await asyncio.shield(emit(_finished(result)))
        raise
    result = PlanResult(plan, tuple(outcomes), run_id, state, context)
    await emit(_finished(result))
    return result


def _finished(result: PlanResult) -> PlanFinished:
    bad = result.failed
    return PlanFinished(
        result.run_id, result.state, done=result.done_ids, not_done=result.not_done_ids,
        error=(bad.error or result_text(bad.result)) if bad is not None else None,
        statement=result.statement(), undo_offered=result.undo_offered,
    )


async def _one_step(plan, step, host, pool, run_id, emit, context, cancel, skip) -> StepOutcome:
    if step.id in skip:
        await emit(StepSkipped(run_id, step.id, skip[step.id]))
        return StepOutcome(step, host, "skip", state=StepState.SKIPPED, detail=skip[step.id])
    run = _StepRun(plan, step, host, pool, run_id, emit, context)
    context[READ] = _reader(pool, run_id, step, host)
    started = time.monotonic()

    async def body() -> StepOutcome:
        reason = await run.already_done()
        if reason is not None:
            await emit(StepSkipped(run_id, step.id, reason))
            return StepOutcome(step, host, "done-probe", run.last, state=StepState.SKIPPED, detail=reason)
        await emit(StepStarted(run_id, step.id, step.title, host))
        run.started = True
        timeout = step.timeout if isinstance(step, LocalStep) else None
        return await asyncio.wait_for(run.execute(), timeout)

    try:
        outcome = await _cancellable(body(), cancel)
    except StepFailed as failure:
        outcome = StepOutcome(step, host, failure.phase, failure.result or run.last,
                              error=failure.error, state=StepState.FAILED, fix=failure.fix)
    except _Cancelled:
        outcome = StepOutcome(step, host, "cancelled", run.last, error="cancelled",
                              state=StepState.CANCELLED)
    except asyncio.CancelledError:  # our caller was cancelled: the step ends cancelled, say so
        if run.started:
            await asyncio.shield(emit(StepFinished(run_id, step.id, StepState.CANCELLED, "cancelled",
                                                   round(time.monotonic() - started, 6))))
        raise
    except asyncio.TimeoutError:
        outcome = StepOutcome(step, host, "run", None, error=f"timed out after {step.timeout:g}s",
                              state=StepState.FAILED)
    except Exception as exc:  # a LocalStep's or a probe function's own error: one line
        outcome = StepOutcome(step, host, "run", run.last, error=f"{type(exc).__name__}: {exc}",
                              state=StepState.FAILED)
    if outcome.state is StepState.SKIPPED:
        return outcome
    if not run.started:  # failed in its done probe: it still gets a start and an end
        await emit(StepStarted(run_id, step.id, step.title, host))
    await emit(StepFinished(run_id, step.id, outcome.state, outcome.error,
                            round(time.monotonic() - started, 6), detail=outcome.detail,
                            fix=outcome.fix))
    return outcome


class _Cancelled(Exception):
    pass


async def _cancellable(coro, cancel: asyncio.Event | None):
    """Await coro; when `cancel` is set first, cancel it (killing its command) and raise."""
    if cancel is None:
        return await coro
    task = asyncio.ensure_future(coro)
    waiter = asyncio.ensure_future(cancel.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        waiter.cancel()
    if task.done():
        return task.result()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    except Exception:
        pass
    raise _Cancelled()


# --- undo ---------------------------------------------------------------------------------------

async def undo_steps(
    result: PlanResult,
    pool,
    *,
    default_host: str,
    read_only: bool,
    listeners: Sequence[Listener] = (),
    only: Iterable[str] | None = None,
) -> PlanResult:
    """Run the undo of every done step (or of those in `only`), newest first; stops at the
    first undo that fails. Ends with a PlanFinished: UNDONE when every undo ran, else FAILED."""
    wanted = set(result.undo_offered if only is None else only)
    undoable = [o for o in reversed(result.outcomes) if o.undoable and o.step.id in wanted]
    if read_only and any(o.step.mutates or isinstance(o.step, LocalStep) for o in undoable):
        raise ReadOnlyError(f"read-only mode: refused to undo {result.plan.title!r}; nothing ran")
    emit = _Emitter(listeners)
    run_id = result.run_id
    states: dict[str, StepState] = {}
    error: str | None = None
    for outcome in undoable:
        step = outcome.step
        await emit(UndoStarted(run_id, step.id, step.title))
        run = _StepRun(result.plan, step, outcome.host or default_host, pool, run_id, emit,
                       result.context)
        try:
            await _undo_one(run, outcome)
            states[step.id] = StepState.UNDONE
            await emit(UndoFinished(run_id, step.id, StepState.UNDONE))
        except StepFailed as failure:
            error = f"undo of {step.title!r} failed: {failure.error}"
        except Exception as exc:
            error = f"undo of {step.title!r} failed: {type(exc).__name__}: {exc}"
        if error is not None:
            states[step.id] = StepState.UNDO_FAILED
            await emit(UndoFinished(run_id, step.id, StepState.UNDO_FAILED, error))
            break
    outcomes = tuple(
        StepOutcome(o.step, o.host, "undo", o.result, error=o.error, state=states[o.step.id],
                    detail=o.detail) if o.step.id in states else o
        for o in result.outcomes
    )
    state = PlanState.UNDONE if error is None else PlanState.FAILED
    undone = PlanResult(result.plan, outcomes, run_id, state, result.context)
    left = tuple(o.step.id for o in reversed(outcomes) if o.undoable)
    in_effect = tuple(o.step.id for o in outcomes if o.ok)
    await emit(PlanFinished(run_id, state, done=in_effect,
                            not_done=tuple(s.id for s in result.plan.steps if s.id not in in_effect),
                            error=error, statement=_undo_statement(result.plan, states, error),
                            undo_offered=left))
    return undone


def _undo_statement(plan: Plan, states: Mapping[str, StepState], error: str | None) -> str:
    undone = [f"{n}. {s.title}" for n, s in enumerate(plan.steps, 1) if states.get(s.id) is StepState.UNDONE]
    text = f"undone: {', '.join(undone) or 'nothing'}"
    return text + (f"; {error}" if error else "")


async def _undo_one(run: _StepRun, outcome: StepOutcome) -> None:
    step = outcome.step
    if isinstance(step, RunStep):
        await run.must(step.undo, "undo", mutates=True, show=True)
    elif isinstance(step, (WriteFileStep, EnvFileStep)):
        backup = outcome.undo
        if backup is None:  # there was no file: remove what we wrote
            await run.must(files.remove(step.path), "undo", mutates=True)
        else:  # put the backup back, atomically (a copy of it, so the backup stays)
            tmp = files.temp_path(step.path, run.run_id)
            await run.must(files.copy(backup, tmp), "undo", mutates=True)
            await run.must(files.move(tmp, step.path), "undo", mutates=True)
    elif isinstance(step, LocalStep) and step.undo is not None:
        await _call(step.undo, run.context)
