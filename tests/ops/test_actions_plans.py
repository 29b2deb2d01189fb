"""The resource and node action plans (issue 13): steps, done probes, undo, recipes that
round-trip, preview specs on placement changes, cluster_wide; then the same plans run by the
engine on the demo simulator (probes skip, undo restores)."""

from __future__ import annotations

import pytest

from tui.ops import actions, recipes
from tui.ops.engine import run_plan, undo_steps
from tui.ops.events import PlanState, StepState
from tui.ops.plan import CheckStep, RunStep
from tui.ops.preview import PreviewSpec
from tui.pacemaker import commands as c
from tui.remote.pool import WorkerPool
from tui.remote.transport import CommandResult
from tui.sim import DemoCluster, demo_transport_factory


def result(rc: int = 0, out: bytes = b"", err: bytes = b"") -> CommandResult:
    return CommandResult("h", ("x",), rc, out, err)


EVERY = [
    ("move", {"rsc": "web", "node": "node3", "promoted": False, "lifetime": "PT1H", "version": "2.1.5"}),
    ("ban", {"rsc": "db-clone", "node": "node2", "promoted": True, "lifetime": None, "version": "2.0.5"}),
    ("clear", {"rsc": "web", "node": None, "promoted": False, "constraint_ids": ["cli-ban-web-on-node2"],
               "version": "3.0.0"}),
    ("restart", {"rsc": "web", "node": None}),
    ("enable", {"rsc": "web"}), ("disable", {"rsc": "web"}),
    ("manage", {"rsc": "web"}), ("unmanage", {"rsc": "web"}),
    ("refresh", {"resource": "web", "node": "node1"}),
    ("meta_set", {"rsc": "web", "name": "target-role", "value": "Started"}),
    ("meta_delete", {"rsc": "web", "name": "priority"}),
    ("fence", {"node": "node3", "devices": ["fence-node3"], "off": False, "via": "node1"}),
    ("clear_failcounts", {"node": "node1", "resources": ["web-server", "ping"]}),
    ("promote", {"rsc": "db-clone", "node": "node1", "version": "2.1.5"}),
    ("demote", {"rsc": "db-clone", "node": "node2", "version": "2.0.5"}),
]


@pytest.mark.parametrize("name,kwargs", EVERY, ids=[n for n, _ in EVERY])
def test_every_action_round_trips_through_its_recipe(name, kwargs):
    plan = recipes.build(name, kwargs)
    assert plan.recipe[0] == name
    again = recipes.decode(recipes.encode(plan))
    assert again == plan  # same steps, ids, argv, probes, undo, preview
    assert [s.id for s in again.steps] == [s.id for s in plan.steps]


PLACEMENT = {
    "move": actions.move("web", "node3"), "ban": actions.ban("web", "node1"), "clear": actions.clear("web"),
    "disable": actions.disable("web"),
    "promote": actions.promote("db-clone", "node1"), "demote": actions.demote("db-clone", "node2"),
    "standby on": actions.standby("node1", True), "standby off": actions.standby("node1", False),
    "node maintenance off": actions.node_maintenance("node1", False),
    "cluster maintenance off": actions.cluster_maintenance(False),
}


@pytest.mark.parametrize("what", list(PLACEMENT))
def test_placement_changes_carry_the_change_as_their_preview(what):
    plan = PLACEMENT[what]
    run = [s for s in plan.steps if isinstance(s, RunStep)]
    assert plan.preview == PreviewSpec((run[0].argv,))


@pytest.mark.parametrize("plan, name, value", [(actions.enable("web"), "target-role", "Started"),
                                                (actions.manage("web"), "is-managed", "true")])
def test_removing_a_meta_attribute_is_previewed_as_setting_its_default(plan, name, value):
    """3.0.0 refuses to delete an unset attribute (exit 105, lab): the copy would refuse the
    change and there would be no preview of a no-op; the default set explicitly is the same
    to the scheduler and always applies."""
    assert "--delete-parameter" in plan.steps[0].argv
    assert plan.preview == PreviewSpec((c.resource_meta_set("web", name, value),))


@pytest.mark.parametrize("plan", [actions.restart("web"), actions.unmanage("web"),
                                  actions.refresh(), actions.cleanup(), actions.node_maintenance("node1", True),
                                  actions.cluster_maintenance(True), actions.meta_set("web", "description", "x"),
                                  actions.clear_failcounts("node1", ["web-server"])],
                         ids=lambda p: p.title)
def test_no_preview_where_placement_does_not_change(plan):
    assert plan.preview is None


def test_cluster_wide_is_cluster_maintenance_and_fence_only():
    assert actions.cluster_maintenance(True).cluster_wide and actions.cluster_maintenance(False).cluster_wide
    assert actions.fence("node3").cluster_wide
    assert not any(p.cluster_wide for p in PLACEMENT.values() if p.recipe[0] != "cluster_maintenance")


def test_move_step_probe_and_undo():
    plan = actions.move("db-clone", "node1", promoted=True, lifetime="PT30M", version="2.0.5")
    (step,) = plan.steps
    assert step.argv == ("crm_resource", "--move", "--resource", "db-clone", "--node", "node1", "--master",
                         "--lifetime", "PT30M")
    assert step.undo == ("crm_resource", "--clear", "--resource", "db-clone", "--node", "node1", "--master")
    assert step.done.argv == ("crm_resource", "--locate", "--resource", "db-clone")
    promoted_there = b"resource db-clone is running on: node1 Promoted\nresource db-clone is running on: node2\n"
    unpromoted_there = b"resource db-clone is running on: node2 Promoted\nresource db-clone is running on: node1\n"
    assert step.done.check(result(0, promoted_there))
    assert not step.done.check(result(0, unpromoted_there))
    assert step.done.check(result(0, b"resource db-clone is running on: node1 Master\n"))  # 2.0 words
    plain = actions.move("web", "node2").steps[0]
    assert plain.done.check(result(0, b"resource web is running on: node2\n"))
    assert not plain.done.check(result(0, b"resource web is running on: node22\n"))
    assert not plain.done.check(result(0, b"", b"resource web is NOT running\n"))
    assert not plain.done.check(result(105, b"", b"crm_resource: Resource 'web' not found\n"))


def test_ban_and_demote_undo_is_clear_with_the_same_role():
    ban = actions.ban("db-clone", "node2", promoted=True, version="2.1.5").steps[0]
    assert ban.undo == c.resource_clear("db-clone", "node2", promoted=True, version="2.1.5")
    assert ban.done is None and ban.idempotent
    demote = actions.demote("db-clone", "node2", version="3.0.0").steps[0]
    assert demote.argv == c.resource_ban("db-clone", "node2", promoted=True, version="3.0.0")
    assert demote.undo == c.resource_clear("db-clone", "node2", promoted=True, version="3.0.0")
    promote = actions.promote("db-clone", "node1", version="2.1.5").steps[0]
    assert promote.argv[-1] == "--promoted" and promote.undo[-1] == "--promoted"


def test_clear_names_the_constraints_it_removes_and_has_no_undo():
    plan = actions.clear("web", constraint_ids=("cli-ban-web-on-node2", "cli-prefer-web"))
    assert "cli-ban-web-on-node2" in plan.title and "cli-prefer-web" in plan.title
    (step,) = plan.steps
    assert "cli-ban-web-on-node2, cli-prefer-web" in step.title
    assert step.undo is None and step.argv == ("crm_resource", "--clear", "--resource", "web")
    assert "none found" in actions.clear("web", "node1").title


@pytest.mark.parametrize("builder,unset_holds,value,holds", [
    (actions.enable, True, b"Stopped\n", False),
    (actions.disable, False, b"Stopped\n", True),
    (actions.disable, False, b"stopped\n", True),
    (actions.disable, False, b"Started\n", False),
    (actions.manage, True, b"true\n", True),
    (actions.manage, True, b"false\n", False),
    (actions.unmanage, False, b"false\n", True),
    (actions.unmanage, False, b"true\n", False),
])
def test_meta_probes(builder, unset_holds, value, holds):
    step = builder("web").steps[0]
    assert step.done.argv[:4] == ("crm_resource", "--resource", "web", "--meta")
    unset = result(0, b"", b"Attribute 'target-role' not found for 'web'\n")  # 2.1.5: exit 0
    assert step.done.check(unset) is unset_holds
    assert step.done.check(result(0, value)) is holds
    # a failed read (no such resource, no cluster) never counts as done
    assert not step.done.check(result(105, b"", b"crm_resource: Resource 'web' not found\n"))
    assert not step.done.check(result(102, b"", b"Could not connect\n"))


def test_enable_disable_manage_unmanage_undo_each_other():
    assert actions.disable("web").steps[0].undo == actions.enable("web").steps[0].argv
    assert actions.enable("web").steps[0].undo == actions.disable("web").steps[0].argv
    assert actions.unmanage("web").steps[0].undo == actions.manage("web").steps[0].argv
    assert actions.manage("web").steps[0].undo == actions.unmanage("web").steps[0].argv


def test_meta_set_and_delete_are_honest_about_undo():
    set_step = actions.meta_set("web", "resource-stickiness", "50").steps[0]
    assert set_step.undo is None  # the previous value is not known to a pure builder
    assert set_step.done.check(result(0, b"50\n")) and not set_step.done.check(result(0, b"100\n"))
    delete_step = actions.meta_delete("web", "resource-stickiness").steps[0]
    assert delete_step.undo is None
    assert delete_step.done.check(result(0, b"", b"Attribute 'resource-stickiness' not found for 'web'\n"))
    assert actions.meta_set("web", "target-role", "Stopped").preview is not None


def test_fence_plan_reads_the_devices_first():
    plan = actions.fence("node3", ["fence-node3"], off=True)
    check, run = plan.steps
    assert isinstance(check, CheckStep) and not check.mutates
    assert check.probe == ("stonith_admin", "--list", "node3")
    assert run.argv == ("stonith_admin", "--fence", "node3") and run.undo is None
    assert "fence-node3" in plan.title and "power off" in plan.title
    assert plan.preview == PreviewSpec((), ("node3",)) and plan.cluster_wide
    ok = check.judge(result(0, b"fence-node3\n1 fence device found\n"))
    assert ok.level == "ok" and "fence-node3" in ok.observed
    none = check.judge(result(0, b"0 fence devices found\n"))
    assert none.level == "fail" and none.fix
    down = check.judge(result(102, b"", b"Could not connect to fencer: Transport endpoint is not connected\n"))
    assert down.level == "fail" and "Could not connect" in down.observed
    assert actions.fence_devices(result(0, b"a\nb\n2 fence devices found\n")) == ["a", "b"]
    assert {s.host for s in plan.steps} == {None}
    assert {s.host for s in actions.fence("node1", via="node2").steps} == {"node2"}  # not the victim


def test_clear_failcounts_one_step_per_resource():
    plan = actions.clear_failcounts("node1", ["web-server", "ping", "web-server"])
    assert [s.argv for s in plan.steps] == [c.failcount_delete("web-server", "node1"), c.failcount_delete("ping", "node1")]
    assert all(s.undo is None for s in plan.steps)


CONFIG = b"""<configuration><resources>
  <primitive id="fence-a" class="stonith" type="fence_ipmilan"><instance_attributes id="i">
    <nvpair id="i1" name="pcmk_host_list" value="node1 node2"/></instance_attributes></primitive>
  <primitive id="fence-map" class="stonith" type="fence_xvm"><instance_attributes id="j">
    <nvpair id="j1" name="pcmk_host_map" value="node3:vm3;node4:vm4"/></instance_attributes></primitive>
  <primitive id="fence-any" class="stonith" type="fence_sbd"/>
  <primitive id="web" class="ocf" provider="heartbeat" type="apache"/>
</resources><constraints>
  <rsc_location id="cli-ban-web-on-node2" rsc="web" role="Started" node="node2" score="-INFINITY"/>
  <rsc_location id="cli-ban-web-on-node1" rsc="web" role="Started"><rule id="r" score="-INFINITY">
    <expression id="e" attribute="#uname" operation="eq" value="node1"/></rule></rsc_location>
  <rsc_location id="cli-prefer-web" rsc="web" role="Started" node="node3" score="INFINITY"/>
  <rsc_location id="cli-ban-web2-on-node2" rsc="web2" node="node2" score="-INFINITY"/>
  <rsc_location id="cli-ban-db-on-node1" rsc="db" role="Promoted" node="node1" score="-INFINITY"/>
  <rsc_location id="cli-ban-db-on-node2" rsc="db" role="Started" node="node2" score="-INFINITY"/>
</constraints></configuration>"""


def test_constraints_and_devices_from_the_cib():
    assert actions.cli_constraints(CONFIG, "web") == ["cli-ban-web-on-node2", "cli-ban-web-on-node1", "cli-prefer-web"]
    assert actions.cli_constraints(CONFIG, "web", "node3") == ["cli-prefer-web"]
    assert actions.cli_constraints(CONFIG, "web", "node1") == ["cli-ban-web-on-node1"]
    assert actions.cli_constraints(CONFIG, "db", promoted=True) == ["cli-ban-db-on-node1"]
    assert actions.cli_constraints(b"<not xml", "web") == []
    assert actions.fence_devices_in(CONFIG, "node1") == ["fence-a", "fence-any"]
    assert actions.fence_devices_in(CONFIG, "node3") == ["fence-map", "fence-any"]
    assert actions.fence_devices_in(b"", "node3") == []


# ---- on the demo simulator ---------------------------------------------------------------------

def demo():
    state = DemoCluster(seed=7, life=False)
    pool = WorkerPool(demo_transport_factory(state, latency=(0, 0)), None, cluster="demo", transport_kind="demo")
    return state, pool


async def test_move_runs_then_skips_then_undo_clears():
    state, pool = demo()
    plan = actions.move("web", "node2", version="3.0.0")
    state.remove_location("cli-ban-web-on-node2")  # the scene bans web from node2
    done = await run_plan(plan, pool, default_host="node1", read_only=False)
    assert done.ok, done.summary()
    assert state.where("web-ip") == [("node2", "Started")] and state.location("cli-prefer-web") is not None
    again = await run_plan(plan, pool, default_host="node1", read_only=False)
    assert again.outcomes[0].state is StepState.SKIPPED  # already runs there
    undone = await undo_steps(done, pool, default_host="node1", read_only=False)
    assert undone.state is PlanState.UNDONE and state.location("cli-prefer-web") is None


async def test_disable_then_enable_through_the_engine():
    state, pool = demo()
    done = await run_plan(actions.disable("web"), pool, default_host="node1", read_only=False)
    assert done.ok and state.where("web-server") == []
    again = await run_plan(actions.disable("web"), pool, default_host="node1", read_only=False)
    assert again.outcomes[0].state is StepState.SKIPPED
    await undo_steps(done, pool, default_host="node1", read_only=False)
    assert state.where("web-server") == [("node1", "Started")]
    skipped = await run_plan(actions.enable("web"), pool, default_host="node1", read_only=False)
    assert skipped.outcomes[0].state is StepState.SKIPPED  # nothing set: nothing to enable


async def test_fence_without_a_device_fails_at_the_check_and_runs_nothing():
    state, pool = demo()
    done = await run_plan(actions.fence("rn1"), pool, default_host="node1", read_only=False)
    assert not done.ok and done.outcomes[0].state is StepState.FAILED
    assert len(done.outcomes) == 1 and state.node_online("rn1")
