"""Execute a Plan step by step through the worker pool.

Stops at the first step whose precondition, command or verification fails; read-only mode
refuses a mutating plan before anything runs (the pool refuses each step again, so a caller
that bypasses this still cannot mutate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable, Protocol, Sequence

from tui.ops.plan import Plan, Step
from tui.remote.secret import Secret
from tui.remote.transport import CommandResult, ReadOnlyError, TransportError


class Runner(Protocol):
    """What apply needs of the worker pool."""

    async def run(
        self,
        host: str,
        argv: Sequence[str],
        *,
        purpose: str,
        mutates: bool = False,
        stdin: bytes | Secret | None = None,
    ) -> CommandResult: ...


@dataclass(frozen=True, slots=True)
class StepOutcome:
    step: Step
    host: str
    phase: str  # "precondition", "run" or "verify": where it ended
    result: CommandResult | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.result is not None and self.result.ok


@dataclass(frozen=True, slots=True)
class PlanResult:
    plan: Plan
    outcomes: tuple[StepOutcome, ...]

    @property
    def ok(self) -> bool:
        return len(self.outcomes) == len(self.plan.steps) and all(o.ok for o in self.outcomes)

    @property
    def failed(self) -> StepOutcome | None:
        return next((o for o in self.outcomes if not o.ok), None)

    def summary(self) -> str:
        if self.ok:
            return f"{self.plan.title}: done ({len(self.outcomes)} step(s))"
        bad = self.failed
        if bad is None:
            return f"{self.plan.title}: incomplete"
        detail = bad.error or _result_text(bad.result)
        return f"{self.plan.title}: step {self.outcomes.index(bad) + 1} ({bad.step.title}) failed at {bad.phase}: {detail}"


def _result_text(result: CommandResult | None) -> str:
    if result is None:
        return "did not run"
    if result.error:
        return result.error
    text = (result.stderr or result.stdout).decode(errors="replace").strip().splitlines()
    return f"exit {result.exit_status}" + (f": {text[-1]}" if text else "")


StepCallback = Callable[[int, StepOutcome], Awaitable[None] | None]


async def apply_plan(
    plan: Plan,
    runner: Runner,
    *,
    default_host: str,
    read_only: bool,
    on_step: StepCallback | None = None,
) -> PlanResult:
    if read_only and plan.mutates:
        raise ReadOnlyError(f"read-only mode: refused {plan.title!r}; nothing ran")
    outcomes: list[StepOutcome] = []
    for index, step in enumerate(plan.steps):
        outcome = await _run_step(plan, step, runner, step.host or default_host)
        outcomes.append(outcome)
        if on_step is not None:
            maybe = on_step(index, outcome)
            if maybe is not None:
                await maybe
        if not outcome.ok:
            break
    return PlanResult(plan, tuple(outcomes))


async def _run_step(plan: Plan, step: Step, runner: Runner, host: str) -> StepOutcome:
    purpose = f"{plan.title}: {step.title}"
    phases = (
        ("precondition", step.precondition, False, None),
        ("run", step.argv, step.mutates, step.stdin),
        ("verify", step.verify, False, None),
    )
    result: CommandResult | None = None
    for phase, argv, mutates, stdin in phases:
        if argv is None:
            continue
        try:
            result = await runner.run(host, argv, purpose=f"{purpose} ({phase})" if phase != "run" else purpose, mutates=mutates, stdin=stdin)
        except TransportError as exc:
            return StepOutcome(step, host, phase, None, str(exc))
        if not result.ok:
            return StepOutcome(step, host, phase, result)
    return StepOutcome(step, host, "verify" if step.verify else "run", result)
