"""A FakeSession whose commands can fail, print and wait per argv: for multi-step plans."""

from __future__ import annotations

import asyncio

from tests.ui.sample import FakeSession
from tui.ops.engine import run_plan
from tui.ops.plan import Plan, RunStep
from tui.remote.pool import WorkerPool
from tui.remote.transport import CommandResult


class ScriptedTransport:
    def __init__(self, host: str, owner: "ScriptedSession") -> None:
        self.host, self.owner = host, owner

    async def run(self, argv, *, stdin=None, env=None, timeout=None, on_output=None):
        argv = tuple(argv)
        self.owner.calls.append((self.host, argv))
        gate = self.owner.gates.get(argv[0])
        out = self.owner.output.get(argv[0], b"")
        if on_output is not None and out:
            on_output("stdout", out)
        if gate is not None:
            await gate.wait()
        status = 1 if argv[0] in self.owner.failing else 0
        err = b"" if status == 0 else b"it broke\n"
        if on_output is not None and err:
            on_output("stderr", err)
        return CommandResult(self.host, argv, status, out, err)

    async def close(self) -> None:
        pass


class ScriptedSession(FakeSession):
    """failing: argv[0]s that exit 1; output: argv[0] -> stdout; gates: argv[0] -> Event."""

    def __init__(self, *, failing=(), output=None, run_id=None, run_read_only=None, **kw) -> None:
        super().__init__(**kw)
        self.failing = set(failing)
        self.output = dict(output or {})
        self.gates: dict[str, asyncio.Event] = {}
        self.run_id = run_id
        # the engine's read-only flag, when it differs from what the app is told
        self.run_read_only = self.read_only if run_read_only is None else run_read_only
        self.pool = WorkerPool(lambda host: ScriptedTransport(host, self), self.log, read_only=self.run_read_only)

    async def apply(self, plan, **kwargs):
        self.applied.append(plan)
        if self.run_id:
            kwargs.setdefault("run_id", self.run_id)
        return await run_plan(plan, self.pool, default_host=self.action_host, read_only=self.run_read_only,
                              **kwargs)


def three_steps(title: str = "three steps", *, titles=("first", "second", "third")) -> Plan:
    """Steps 1 and 2 have an undo; step 3 (`step-three`) is the one tests make fail."""
    return Plan(title, (
        RunStep(titles[0], ("step-one",), undo=("undo-one",), id="one"),
        RunStep(titles[1], ("step-two", "--flag"), undo=("undo-two", "--flag"), id="two", host="node2"),
        RunStep(titles[2], ("step-three",), id="three"),
    ))
