"""What the engine puts into the run context for the steps: a RunStep's stdout (`output`),
a LocalStep's Described detail, the READ function (a read with the run and step ids) and
TASKS (cancelled when the run ends, however it ends)."""

from __future__ import annotations

import asyncio

from tui.ops import engine
from tui.ops.engine import run_plan
from tui.ops.events import PlanState, StepFinished
from tui.ops.plan import CheckStep, Described, LocalStep, Plan, RunStep, Verdict
from tui.remote.transport import CommandResult


class FakePool:
    """Answers every argv with its words echoed; records each call's keywords."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []

    async def run(self, host, argv, **kwargs) -> CommandResult:
        self.calls.append((host, tuple(argv), kwargs))
        if argv[0] == "false":
            return CommandResult(host, tuple(argv), 1, b"", b"no\n")
        return CommandResult(host, tuple(argv), 0, " ".join(argv[1:]).encode() + b"\n", b"")


async def run(plan, pool=None, **kwargs):
    pool = pool or FakePool()
    events = []
    result = await run_plan(plan, pool, default_host="h", read_only=False, listeners=[events.append], **kwargs)
    return result, events, pool


async def test_a_run_step_with_output_stores_its_stdout_as_bytes():
    plan = Plan("csr", (RunStep("read the CSR", ("echo", "CSR"), mutates=False, output="csr:n1", id="csr"),
                        LocalStep("use it", lambda ctx: ctx["csr:n1"].upper(), output="seen", id="use")))
    result, _, pool = await run(plan)
    assert result.ok and result.context["csr:n1"] == b"CSR\n" and result.context["seen"] == b"CSR\n"
    assert pool.calls[0][2]["mutates"] is False


async def test_a_described_value_goes_to_the_context_and_its_words_to_the_detail():
    plan = Plan("sign", (LocalStep("sign", lambda ctx: Described(b"CERT", "signed n1: serial 1A"), output="cert",
                                   id="sign"),))
    result, events, _ = await run(plan)
    assert result.context["cert"] == b"CERT"
    assert result.outcomes[0].detail == "signed n1: serial 1A"
    finished = next(e for e in events if isinstance(e, StepFinished))
    assert finished.detail == "signed n1: serial 1A"


async def test_read_goes_through_the_pool_as_a_read_with_the_run_and_step_ids():
    async def check(ctx):
        result = await ctx[engine.READ]("n2", ("echo", "hi"), 7)
        other = await ctx[engine.READ](None, ("echo", "default"))
        return Verdict("ok", result.stdout.decode().strip() + "/" + other.host)
    plan = Plan("reads", (CheckStep("look", check, id="look"),))
    result, _, pool = await run(plan)
    assert result.outcomes[0].detail == "hi/h"
    host, argv, kw = pool.calls[0]
    assert (host, argv, kw["read"], kw["mutates"], kw["timeout"]) == ("n2", ("echo", "hi"), True, False, 7)
    assert kw["run_id"] == result.run_id and kw["step_id"] == "look"


async def _tasks_plan(last):
    started = asyncio.Event()
    seen = {}

    async def forever():
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            seen["cancelled"] = True
            raise

    def start(ctx):
        ctx[engine.TASKS].append(asyncio.ensure_future(forever()))
    return Plan("tasks", (LocalStep("start", start, id="start"), last)), started, seen


async def test_tasks_are_cancelled_when_the_run_ends_well():
    plan, started, seen = await _tasks_plan(RunStep("wait a bit", ("echo", "x"), id="x"))
    result, _, _ = await run(plan)
    assert result.ok and seen == {"cancelled": True} and result.context[engine.TASKS] == []


async def test_tasks_are_cancelled_when_a_step_fails():
    plan, started, seen = await _tasks_plan(RunStep("fails", ("false",), id="x"))
    result, _, _ = await run(plan)
    assert result.state is PlanState.FAILED and seen == {"cancelled": True}


async def test_tasks_are_cancelled_when_the_run_is_cancelled():
    cancel = asyncio.Event()

    async def slow(ctx):
        cancel.set()
        await asyncio.sleep(3600)
    plan, started, seen = await _tasks_plan(LocalStep("slow", slow, id="x"))
    result, _, _ = await run(plan, cancel=cancel)
    assert result.state is PlanState.CANCELLED and seen == {"cancelled": True}


async def test_tasks_are_cancelled_when_the_caller_is_cancelled():
    inside = asyncio.Event()

    async def slow(ctx):
        inside.set()
        await asyncio.sleep(3600)
    plan, started, seen = await _tasks_plan(LocalStep("slow", slow, id="x"))
    task = asyncio.ensure_future(run(plan))
    await inside.wait()  # the task started and the run is inside its next step
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    assert seen == {"cancelled": True}
