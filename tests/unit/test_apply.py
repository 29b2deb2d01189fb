"""The plan executor: order, stop at the first failure, pre/post checks, read-only."""

import pytest

from tui.ops import actions
from tui.ops.apply import apply_plan
from tui.ops.plan import Plan, Step
from tui.remote.secret import Secret
from tui.remote.transport import CommandResult, ReadOnlyError, TransportError


class RecordingRunner:
    """Answers each argv with a chosen exit status and remembers what ran, in order."""

    def __init__(self, exits=None, unreachable=()):
        self.exits = exits or {}
        self.unreachable = set(unreachable)
        self.calls = []

    async def run(self, host, argv, *, purpose, mutates=False, stdin=None):
        self.calls.append((host, tuple(argv), purpose, mutates, stdin))
        if host in self.unreachable:
            raise TransportError(host, "connection refused")
        return CommandResult(host=host, argv=tuple(argv), exit_status=self.exits.get(tuple(argv), 0), stderr=b"boom\n")


def plan_of(*steps):
    return Plan("test plan", tuple(steps))


async def test_steps_run_in_order_on_their_hosts():
    plan = plan_of(Step("one", ("a",)), Step("two", ("b",), host="rn1"))
    runner = RecordingRunner()
    result = await apply_plan(plan, runner, default_host="node1", read_only=False)
    assert result.ok
    assert [(c[0], c[1]) for c in runner.calls] == [("node1", ("a",)), ("rn1", ("b",))]
    assert all(c[3] for c in runner.calls), "mutating steps must reach the pool marked mutates=True"


async def test_a_failing_step_stops_the_plan():
    plan = plan_of(Step("one", ("a",)), Step("two", ("b",)), Step("three", ("c",)))
    runner = RecordingRunner(exits={("b",): 105})
    result = await apply_plan(plan, runner, default_host="n", read_only=False)
    assert not result.ok
    assert [c[1] for c in runner.calls] == [("a",), ("b",)]
    assert result.failed.step.title == "two" and result.failed.phase == "run"
    assert "step 2 (two) failed at run: exit 105: boom" in result.summary()


async def test_precondition_failure_means_the_step_never_runs():
    plan = plan_of(Step("guarded", ("mutate",), precondition=("check",)))
    runner = RecordingRunner(exits={("check",): 1})
    result = await apply_plan(plan, runner, default_host="n", read_only=False)
    assert [c[1] for c in runner.calls] == [("check",)]
    assert result.failed.phase == "precondition"
    assert runner.calls[0][3] is False  # a check is not a mutation


async def test_verification_runs_after_and_can_fail_the_step():
    plan = plan_of(Step("s", ("mutate",), verify=("verify",)))
    runner = RecordingRunner(exits={("verify",): 3})
    result = await apply_plan(plan, runner, default_host="n", read_only=False)
    assert [c[1] for c in runner.calls] == [("mutate",), ("verify",)]
    assert result.failed.phase == "verify"


async def test_unreachable_host_is_a_failed_step_not_a_crash():
    runner = RecordingRunner(unreachable={"n"})
    result = await apply_plan(plan_of(Step("s", ("x",))), runner, default_host="n", read_only=False)
    assert not result.ok and "connection refused" in result.failed.error


async def test_read_only_refuses_before_anything_runs():
    runner = RecordingRunner()
    with pytest.raises(ReadOnlyError):
        await apply_plan(actions.standby("rn1"), runner, default_host="n", read_only=True)
    assert runner.calls == []


async def test_read_only_allows_a_plan_that_only_reads():
    runner = RecordingRunner()
    plan = plan_of(Step("look", ("crm_mon", "-1"), mutates=False))
    assert (await apply_plan(plan, runner, default_host="n", read_only=True)).ok


def test_secret_stdin_is_named_never_shown():
    step = Step("install key", ("tee", "/etc/pacemaker/authkey"), stdin=Secret(b"TOPSECRET", "authkey"))
    assert "TOPSECRET" not in step.command_line()
    assert "TOPSECRET" not in Plan("p", (step,)).describe()
    assert "authkey: redacted" in step.command_line()
    assert "TOPSECRET" not in repr(step)


def test_action_plans_show_exact_commands():
    text = actions.standby("rn 1; rm -rf /").describe()
    assert "crm_attribute --node 'rn 1; rm -rf /' --name standby --update on" in text
    assert actions.standby("rn1", on=False).steps[0].argv == ("crm_attribute", "--node", "rn1", "--name", "standby", "--delete")
    assert actions.cleanup("web", "node2").steps[0].argv == ("crm_resource", "--cleanup", "--resource", "web", "--node", "node2")
