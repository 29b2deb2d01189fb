"""The plan engine over a recording runner: order, stop at the first failure, pre/post checks,
done probes, undo, read-only, the event stream, and the one renderer."""

import pytest

from tests import hostile
from tui.ops import actions, recipes
from tui.ops.engine import run_plan, undo_steps
from tui.ops.events import (
    PlanFinished,
    PlanStarted,
    PlanState,
    StepFinished,
    StepSkipped,
    StepStarted,
    StepState,
    UndoFinished,
    UndoStarted,
)
from tui.ops.plan import Plan, Probe, RunStep
from tui.plaintext import is_safe
from tui.remote.secret import Secret
from tui.remote.transport import CommandResult, ReadOnlyError, TransportError


class RecordingRunner:
    """Answers each argv with a chosen exit status (and stdout); remembers what ran, in order."""

    def __init__(self, exits=None, unreachable=(), stdout=None):
        self.exits = exits or {}
        self.stdout = stdout or {}
        self.unreachable = set(unreachable)
        self.calls = []

    async def run(self, host, argv, *, purpose, mutates=False, stdin=None, timeout=None,
                  on_output=None, read=False, run_id=None, step_id=None):
        self.calls.append(dict(host=host, argv=tuple(argv), mutates=mutates, read=read, stdin=stdin,
                               run_id=run_id, step_id=step_id))
        if host in self.unreachable:
            raise TransportError(host, "connection refused")
        return CommandResult(host=host, argv=tuple(argv), exit_status=self.exits.get(tuple(argv), 0),
                             stdout=self.stdout.get(tuple(argv), b""), stderr=b"boom\n")

    def argvs(self):
        return [c["argv"] for c in self.calls]


def plan_of(*steps):
    return Plan("test plan", tuple(steps))


async def test_steps_run_in_order_on_their_hosts():
    plan = plan_of(RunStep("one", ("a",)), RunStep("two", ("b",), host="rn1"))
    runner = RecordingRunner()
    result = await run_plan(plan, runner, default_host="node1", read_only=False)
    assert result.ok
    assert [(c["host"], c["argv"]) for c in runner.calls] == [("node1", ("a",)), ("rn1", ("b",))]
    assert all(c["mutates"] for c in runner.calls), "mutating steps must reach the pool marked mutates=True"
    assert {c["run_id"] for c in runner.calls} == {result.run_id}
    assert [c["step_id"] for c in runner.calls] == ["1-one", "2-two"]


async def test_a_failing_step_stops_the_plan_and_says_what_was_and_was_not_done():
    plan = plan_of(RunStep("one", ("a",)), RunStep("two", ("b",)), RunStep("three", ("c",)))
    runner = RecordingRunner(exits={("b",): 105})
    result = await run_plan(plan, runner, default_host="n", read_only=False)
    assert not result.ok and result.state is PlanState.FAILED
    assert runner.argvs() == [("a",), ("b",)]
    assert result.failed.step.title == "two" and result.failed.phase == "run"
    assert "step 2 (two) failed at run: exit 105: boom" in result.summary()
    assert result.statement() == "done: 1. one; failed: 2. two; not run: 3. three"
    assert result.not_done_ids == ("2-two", "3-three")


async def test_precondition_failure_means_the_step_never_runs():
    plan = plan_of(RunStep("guarded", ("mutate",), precondition=("check",)))
    runner = RecordingRunner(exits={("check",): 1})
    result = await run_plan(plan, runner, default_host="n", read_only=False)
    assert runner.argvs() == [("check",)]
    assert result.failed.phase == "precondition"
    assert runner.calls[0]["mutates"] is False and runner.calls[0]["read"]  # a check is not a mutation


async def test_verification_runs_after_and_can_fail_the_step():
    plan = plan_of(RunStep("s", ("mutate",), verify=("verify",)))
    runner = RecordingRunner(exits={("verify",): 3})
    result = await run_plan(plan, runner, default_host="n", read_only=False)
    assert runner.argvs() == [("mutate",), ("verify",)]
    assert result.failed.phase == "verify"


async def test_unreachable_host_is_a_failed_step_not_a_crash():
    runner = RecordingRunner(unreachable={"n"})
    result = await run_plan(plan_of(RunStep("s", ("x",))), runner, default_host="n", read_only=False)
    assert not result.ok and "connection refused" in result.failed.error


async def test_read_only_refuses_before_anything_runs():
    runner, events = RecordingRunner(), []
    with pytest.raises(ReadOnlyError):
        await run_plan(actions.standby("rn1"), runner, default_host="n", read_only=True, listeners=[events.append])
    assert runner.calls == [] and events == []


async def test_read_only_allows_a_plan_that_only_reads():
    runner = RecordingRunner()
    plan = plan_of(RunStep("look", ("crm_mon", "-1"), mutates=False))
    assert (await run_plan(plan, runner, default_host="n", read_only=True)).ok


async def test_event_sequence_of_a_plan():
    plan = plan_of(RunStep("one", ("a",), done=Probe(("probe-a",))), RunStep("two", ("b",)),
                   RunStep("three", ("c",)))
    runner = RecordingRunner(exits={("b",): 1})  # probe-a holds: one is skipped; two fails
    events = []
    result = await run_plan(plan, runner, default_host="n", read_only=False, run_id="R1", listeners=[events.append])
    kinds = [(type(e).__name__, getattr(e, "step_id", None)) for e in events]
    assert kinds == [("PlanStarted", None), ("StepSkipped", "1-one"), ("StepStarted", "2-two"),
                     ("StepFinished", "2-two"), ("PlanFinished", None)]
    assert isinstance(events[0], PlanStarted) and events[0].step_ids == ("1-one", "2-two", "3-three")
    assert all(e.run_id == "R1" for e in events)
    assert events[3].state is StepState.FAILED
    finished = events[-1]
    assert isinstance(finished, PlanFinished) and finished.state is PlanState.FAILED
    assert finished.done == ("1-one",) and finished.not_done == ("2-two", "3-three")
    assert finished.statement == result.statement()


async def test_async_listeners_are_awaited_in_order():
    seen = []

    async def listener(event):
        seen.append(type(event).__name__)

    await run_plan(plan_of(RunStep("one", ("a",))), RecordingRunner(), default_host="n", read_only=False,
                   listeners=[listener])
    assert seen == ["PlanStarted", "StepStarted", "StepFinished", "PlanFinished"]


async def test_skip_from_a_journal_runs_nothing_for_that_step():
    plan = plan_of(RunStep("one", ("a",)), RunStep("two", ("b",)))
    runner, events = RecordingRunner(), []
    result = await run_plan(plan, runner, default_host="n", read_only=False, skip={"1-one": "done per the journal"},
                            listeners=[events.append])
    assert runner.argvs() == [("b",)]
    assert result.ok
    assert any(isinstance(e, StepSkipped) and e.reason == "done per the journal" for e in events)
    assert result.summary() == "test plan: done (2 step(s), 1 already done)"


async def test_undo_runs_newest_first_and_only_for_done_steps():
    plan = plan_of(RunStep("one", ("a",), undo=("undo-a",)), RunStep("two", ("b",), undo=("undo-b",)),
                   RunStep("three", ("c",), undo=("undo-c",)))
    runner = RecordingRunner(exits={("c",): 1})
    result = await run_plan(plan, runner, default_host="n", read_only=False)
    assert result.undo_offered == ("2-two", "1-one")
    events = []
    undone = await undo_steps(result, runner, default_host="n", read_only=False, listeners=[events.append])
    assert runner.argvs()[-2:] == [("undo-b",), ("undo-a",)]
    assert undone.state is PlanState.UNDONE
    assert [(type(e).__name__, e.step_id) for e in events if not isinstance(e, PlanFinished)] == [
        ("UndoStarted", "2-two"), ("UndoFinished", "2-two"), ("UndoStarted", "1-one"), ("UndoFinished", "1-one")]
    assert isinstance(events[-1], PlanFinished) and events[-1].state is PlanState.UNDONE


async def test_a_failing_undo_stops_the_undo():
    plan = plan_of(RunStep("one", ("a",), undo=("undo-a",)), RunStep("two", ("b",), undo=("undo-b",)))
    runner = RecordingRunner(exits={("undo-b",): 1})
    result = await run_plan(plan, runner, default_host="n", read_only=False)
    events = []
    undone = await undo_steps(result, runner, default_host="n", read_only=False, listeners=[events.append])
    assert ("undo-a",) not in runner.argvs()
    assert undone.state is PlanState.FAILED
    assert [e.state for e in events if isinstance(e, UndoFinished)] == [StepState.UNDO_FAILED]
    assert any(isinstance(e, UndoStarted) for e in events)


@pytest.mark.parametrize("on", [True, False])
@pytest.mark.parametrize("build", [actions.standby, actions.node_maintenance])
async def test_node_actions_are_skipped_when_already_so_and_undo_the_other_way(build, on):
    plan = build("rn1", on=on)
    (step,) = plan.steps
    value = b"on\n" if on else b"off\n"
    runner = RecordingRunner(stdout={step.done.argv: value})
    result = await run_plan(plan, runner, default_host="n", read_only=False)
    assert result.ok and result.outcomes[0].state is StepState.SKIPPED
    assert result.summary() == f"{plan.title}: already done; nothing ran"
    assert runner.argvs() == [step.done.argv] and runner.calls[0]["read"]
    assert step.undo == build("rn1", on=not on).steps[0].argv
    # the other value: not done, so it runs
    runner = RecordingRunner(stdout={step.done.argv: b"off\n" if on else b"on\n"})
    result = await run_plan(plan, runner, default_host="n", read_only=False)
    assert result.outcomes[0].state is StepState.DONE and runner.argvs()[-1] == step.argv


async def test_an_unset_attribute_counts_as_off_and_a_failing_query_as_not_done():
    plan = actions.standby("rn1", on=False)
    probe = plan.steps[0].done.argv
    runner = RecordingRunner(exits={probe: 105})  # crm_attribute: no such attribute
    assert (await run_plan(plan, runner, default_host="n", read_only=False)).outcomes[0].state is StepState.SKIPPED
    runner = RecordingRunner(exits={probe: 102})  # e.g. not connected: not a reason to skip
    result = await run_plan(plan, runner, default_host="n", read_only=False)
    assert result.outcomes[0].state is StepState.DONE and runner.argvs()[-1] == plan.steps[0].argv


async def test_cluster_maintenance_probe_reads_the_crm_config_value():
    plan = actions.cluster_maintenance(True)
    probe = plan.steps[0].done.argv
    runner = RecordingRunner(stdout={probe: b"scope=crm_config  name=maintenance-mode value=true\n"})
    assert (await run_plan(plan, runner, default_host="n", read_only=False)).outcomes[0].state is StepState.SKIPPED


def test_every_action_has_a_recipe_that_builds_the_same_plan():
    for plan in (actions.standby("rn1"), actions.standby("rn1", on=False), actions.node_maintenance("gn1", True),
                 actions.cluster_maintenance(False), actions.cleanup("web", "node2"), actions.cleanup()):
        again = recipes.decode(recipes.encode(plan))
        assert again.title == plan.title
        assert [(s.id, s.argv, s.undo) for s in again.steps] == [(s.id, s.argv, s.undo) for s in plan.steps]
    with pytest.raises(recipes.UnknownRecipe):
        recipes.build("nope", {})


def test_step_ids_are_derived_and_must_be_unique():
    plan = plan_of(RunStep("Set standby=on on rn1", ("a",)), RunStep("two", ("b",), id="mine"))
    assert [s.id for s in plan.steps] == ["1-set-standby-on-on-rn1", "mine"]
    with pytest.raises(ValueError):
        plan_of(RunStep("a", ("a",), id="x"), RunStep("b", ("b",), id="x"))


def test_secret_stdin_is_named_never_shown():
    step = RunStep("install key", ("tee", "/etc/pacemaker/authkey"), stdin=Secret(b"TOPSECRET", "authkey"))
    assert "TOPSECRET" not in step.command_line()
    assert "TOPSECRET" not in Plan("p", (step,)).describe()
    assert "authkey: redacted" in step.command_line()
    assert "TOPSECRET" not in repr(step)


def test_action_plans_show_exact_commands_with_probe_and_undo():
    text = actions.standby("rn 1; rm -rf /").describe("node1")
    assert "[node1] $ crm_attribute --node 'rn 1; rm -rf /' --name standby --update on" in text
    assert "skip if: $ crm_attribute --node 'rn 1; rm -rf /' --name standby --query --quiet" in text
    assert "undo: $ crm_attribute --node 'rn 1; rm -rf /' --name standby --delete" in text
    assert actions.standby("rn1", on=False).steps[0].argv == ("crm_attribute", "--node", "rn1", "--name", "standby", "--delete")
    assert actions.cleanup("web", "node2").steps[0].argv == ("crm_resource", "--cleanup", "--resource", "web", "--node", "node2")


def test_verify_and_precondition_are_shown():
    text = plan_of(RunStep("s", ("do", "it"), precondition=("pre", "x y"), verify=("post",))).describe()
    assert "check first: $ pre 'x y'" in text and "verify after: $ post" in text


@pytest.mark.parametrize("value", [v for v in hostile.ALL if "\x00" not in v], ids=hostile.short)
def test_rendered_plans_are_terminal_safe_one_row_per_line(value):
    builds = (actions.standby, actions.node_maintenance, lambda v: actions.cleanup(v, v))
    for build in builds:
        text = build(value).describe(default_host=value)
        assert is_safe(text, lines=True)
        assert len(text.splitlines()) == len(build("x").describe("x").splitlines())  # no added line
