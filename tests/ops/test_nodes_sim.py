"""The four node wizards end to end on the simulator (tui.sim): preflight, method, plan, run,
verified online / gone; both methods; the authkey never overwritten, PCMK_authkey_location
honoured; removal leaves no failed action; a rerun changes nothing.

The simulator answers the wizards' commands (pgrep, test -x, firewall-cmd, the TCP probe,
cibadmin --xpath, pcs, simulate_change); where a build lacks them these tests skip."""

from __future__ import annotations

import asyncio

import pytest
from lxml import etree

from tui.ops.engine import run_plan
from tui.ops.events import StepFinished, StepState
from tui.ops.nodes.facts import facts_from_snapshot
from tui.ops.nodes.preflight import run_checks
from tui.ops.nodes.wizards import WIZARDS, resolve_method
from tui.pacemaker import cib, commands, nodecmds
from tui.pacemaker.crm_mon import parse_status
from tui.remote.pool import WorkerPool
from tui.sim import DemoCluster, demo_transport_factory
from tui.sim.commands import execute
from tui.sim.hosts import AUTHKEY, SYSCONFIG

WIZARD_COMMANDS = (nodecmds.process_running("corosync"), nodecmds.pcs_version(), nodecmds.cib_id_taken("x"),
                   nodecmds.tcp_connect("10.20.0.23", 3121))


def _sim_answers_wizard_commands() -> bool:
    state = DemoCluster(seed=1, life=False)
    return all(execute(state, "node1", argv)[0] != 127 for argv in WIZARD_COMMANDS)


pytestmark = pytest.mark.skipif(not _sim_answers_wizard_commands(),
                                reason="the simulator does not answer the wizards' commands yet")


@pytest.fixture(autouse=True)
def quick_waits(monkeypatch):
    """The plans poll crm_mon every 2 s; the simulated clock moves per command instead."""
    from tui.ops.nodes import plans
    monkeypatch.setattr(plans, "WAIT_INTERVAL", 0.001)


class Sim:
    def __init__(self, seed: int = 5, log=None) -> None:
        self.now = 1_000_000_000.0
        self.state = DemoCluster(seed=seed, clock=self.clock, life=False)
        self.state.tick(self.now + 10)  # what the scene scheduled (vm-gn3's start) has happened
        self.pool = WorkerPool(demo_transport_factory(self.state, latency=(0, 0)), log, cluster="demo",
                               transport_kind="demo")

    def clock(self) -> float:
        self.now += 0.5  # every command moves time on: the cluster's scheduled starts happen
        return self.now

    def snapshot(self):
        rc, out, _ = execute(self.state, "node1", commands.crm_mon_status())
        snap = parse_status(out.encode(), rc)
        rc, out, _ = execute(self.state, "node1", commands.cib_configuration())
        return cib.join(snap, cib.parse_configuration(out.encode()))

    def facts(self):
        return facts_from_snapshot(self.snapshot())

    async def checks(self, wizard_kind: str, **fields):
        wizard = WIZARDS[wizard_kind]
        inp = wizard.input_type(**fields)
        facts = self.facts()
        outcomes = await run_checks(wizard.preflight(inp, facts), self.pool, default_host="node1")
        return wizard, inp, facts, outcomes

    async def run(self, wizard_kind: str, **fields):
        wizard, inp, facts, outcomes = await self.checks(wizard_kind, **fields)
        failed = [(o.step_id, o.observed) for o in outcomes if o.level == "fail"]
        method = resolve_method(inp, facts, outcomes)
        plan = wizard.plan(inp, facts, method, outcomes)
        self.failed_after = {}  # step id -> failed actions of the node right after it

        def watch(event) -> None:
            if isinstance(event, StepFinished):
                self.failed_after[event.step_id] = len(self.failures_of(inp.name))
        result = await run_plan(plan, self.pool, default_host="node1", read_only=False, listeners=[watch])
        return failed, method, plan, result

    def primitive(self, rid: str):
        rc, out, _ = execute(self.state, "node1", ("cibadmin", "--query", "--xpath", f"//primitive[@id='{rid}']"))
        return etree.fromstring(out.encode()) if rc == 0 else None

    def failures_of(self, node: str):
        return [f for f in self.snapshot().failures if node in (f.resource, f.node)]


def shape(primitive):
    """A primitive as a comparable value (order of ops and nvpairs aside)."""
    return (dict(primitive.attrib),
            sorted((n.get("id"), n.get("name"), n.get("value")) for n in primitive.iter("nvpair")),
            sorted((o.get("id"), o.get("name"), o.get("interval"), o.get("timeout")) for o in primitive.iter("op")))


@pytest.mark.parametrize("method", ["direct", "pcs"])
async def test_add_remote_comes_online_with_each_method(method):
    sim = Sim()
    failed, used, plan, result = await sim.run("add-remote", name="rn3", address="10.20.0.23", method=method)
    assert failed == [] and used == method
    assert result.ok, result.summary()
    assert result.outcomes[-1].step.id == "wait-online" and "online" in result.outcomes[-1].detail
    node = sim.snapshot().node("rn3")
    assert node is not None and node.online
    key = sim.state.host("rn3").fs.get(AUTHKEY)
    assert key.content == sim.state.authkey and (key.owner, key.group, key.mode) == ("hacluster", "haclient", 0o400)


async def test_direct_primitive_equals_the_pcs_primitive():
    shapes = []
    for method in ("direct", "pcs"):
        sim = Sim()
        _, _, _, result = await sim.run("add-remote", name="rn3", address="10.20.0.23", reconnect_interval="60s",
                                        method=method)
        assert result.ok, result.summary()
        shapes.append(shape(sim.primitive("rn3")))
    assert shapes[0] == shapes[1]


@pytest.mark.parametrize("method", ["direct", "pcs"])
async def test_add_guest_comes_online_with_each_method(method):
    sim = Sim()
    failed, used, _, result = await sim.run("add-guest", name="gn3", resource="vm-gn3", address="10.20.0.43",
                                            method=method)
    assert failed == [] and used == method, failed
    assert result.ok, result.summary()
    node = sim.snapshot().node("gn3")
    assert node is not None and node.online and node.container_resource == "vm-gn3"


@pytest.mark.parametrize("method", ["direct", "pcs"])
async def test_remove_remote_leaves_no_failed_action(method):
    sim = Sim()
    assert sim.failures_of("rn1") == []
    failed, _, plan, result = await sim.run("remove-remote", name="rn1", kind="remote", method=method)
    assert failed == []
    assert result.ok, result.summary()
    snap = sim.snapshot()
    assert snap.node("rn1") is None and sim.failures_of("rn1") == []
    # at no point: stopping the daemon before its connection would record a lost connection
    assert sim.failed_after and set(sim.failed_after.values()) == {0}, sim.failed_after
    assert not sim.state.host("rn1").running("pacemaker_remote")


async def test_remove_guest_leaves_no_failed_action_and_the_vm_running():
    sim = Sim()
    failed, used, _, result = await sim.run("remove-guest", name="gn1", kind="guest")
    assert used == "direct" and failed == []
    assert result.ok, result.summary()
    snap = sim.snapshot()
    assert snap.node("gn1") is None and sim.failures_of("gn1") == []
    assert sim.failed_after and set(sim.failed_after.values()) == {0}, sim.failed_after
    vm = next(r for r in snap.all_resources() if r.id == "vm-gn1")
    assert vm.role == "Started"
    assert sim.state.host("gn1").fs.get(AUTHKEY) is None  # remove_authkey defaults to True


async def test_a_different_key_on_the_target_is_never_overwritten():
    sim = Sim()
    other = b"not the cluster's key" * 10
    sim.state.host("rn3").fs.write(AUTHKEY, other, owner="hacluster", group="haclient", mode=0o400)
    _, inp, facts, outcomes = await sim.checks("add-remote", name="rn3", address="10.20.0.23", method="direct")
    bad = {o.step_id: o for o in outcomes if o.level == "fail"}
    assert set(bad) == {"authkey-target"} and "mv " in bad["authkey-target"].fix
    plan = WIZARDS["add-remote"].plan(inp, facts, "direct", outcomes)
    result = await run_plan(plan, sim.pool, default_host="node1", read_only=False)
    assert not result.ok and result.failed.step.id == "target-key-free"
    assert sim.state.host("rn3").fs.get(AUTHKEY).content == other


async def test_every_check_runs_when_the_target_is_unreachable_for_a_command():
    sim = Sim()
    plan = WIZARDS["add-remote"].preflight(WIZARDS["add-remote"].input_type(name="rn3", address="10.20.0.99"),
                                           sim.facts())
    outcomes = await run_checks(plan, sim.pool, default_host="node1")
    assert [o.step_id for o in outcomes] == [s.id for s in plan.steps]
    assert {o.step_id for o in outcomes if o.level == "fail"} >= {"ssh", "remote-installed"}
    assert all(o.fix for o in outcomes if o.level == "fail" and o.step_id == "ssh")


async def test_pcmk_authkey_location_is_honoured_on_both_sides():
    sim = Sim()
    for host in ("node1", "node2", "node3", "rn3"):
        fs = sim.state.host(host).fs
        fs.write(SYSCONFIG, fs.get(SYSCONFIG).content + b"PCMK_authkey_location=/etc/pacemaker/ha.key\n")
        if host != "rn3":
            fs.write("/etc/pacemaker/ha.key", sim.state.authkey, owner="hacluster", group="haclient", mode=0o400)
    _, _, plan, result = await sim.run("add-remote", name="rn3", address="10.20.0.23", method="direct")
    assert plan.step("write-authkey").path == "/etc/pacemaker/ha.key"
    assert sim.state.host("rn3").fs.get("/etc/pacemaker/ha.key").content == sim.state.authkey
    assert sim.state.host("rn3").fs.get(AUTHKEY) is None


async def test_a_running_pacemaker_remoted_is_a_warning_and_auto_goes_direct():
    sim = Sim()
    sim.state.host("rn3").services["pacemaker_remote"].active = True
    _, inp, facts, outcomes = await sim.checks("add-remote", name="rn3", address="10.20.0.23")
    levels = {o.step_id: o.level for o in outcomes}
    assert levels["remoted-not-running"] == "warn" and "fail" not in levels.values()
    assert resolve_method(inp, facts, outcomes) == "direct"
    _, _, _, pcs_outcomes = await sim.checks("add-remote", name="rn3", address="10.20.0.23", method="pcs")
    assert {o.step_id: o.level for o in pcs_outcomes}["remoted-not-running"] == "fail"


async def test_a_rerun_changes_nothing_and_still_verifies():
    sim = Sim()
    _, _, plan, first = await sim.run("add-remote", name="rn3", address="10.20.0.23", method="direct")
    assert first.ok, first.summary()
    from tui.ops import recipes
    again = await run_plan(recipes.decode(recipes.encode(plan)), sim.pool, default_host="node1", read_only=False)
    assert again.ok, again.summary()
    states = {o.step.id: o.state for o in again.outcomes}
    assert states["write-authkey"] is StepState.SKIPPED and states["create-connection"] is StepState.SKIPPED


async def test_remove_preflight_shows_what_runs_and_previews():
    sim = Sim()
    _, _, _, outcomes = await sim.checks("remove-guest", name="gn1", kind="guest")
    by_id = {o.step_id: o for o in outcomes}
    assert by_id["running-on"].level == "warn" and "memcached" in by_id["running-on"].observed
    assert "standby" in by_id["running-on"].fix
    assert by_id["simulate"].level in ("ok", "warn") and by_id["constraints"].level in ("ok", "warn")


async def test_checks_read_no_key_bytes():
    sim = Sim()
    seen = []
    run = sim.pool.run

    async def spy(host, argv, **kwargs):
        seen.append(tuple(argv))
        return await run(host, argv, **kwargs)
    sim.pool.run = spy  # type: ignore[method-assign]
    await sim.checks("add-remote", name="rn3", address="10.20.0.23")
    assert seen and not [a for a in seen if a[0] == "cat" and any("authkey" in w or "key" in w for w in a[1:])]


async def test_the_failed_action_watch_catches_a_daemon_stopped_first():
    """The order matters: the same steps with pacemaker_remote stopped first record a failure."""
    from tui.ops.nodes import plans
    from tui.ops.plan import Plan
    sim = Sim()
    good = plans.remove_remote(name="rn1", method="direct", facts=sim.facts().to_json())
    order = ["stop-remoted", "stop-connection", "wait-stopped", "delete-connection", "forget-node"]
    seen = []

    def watch(event) -> None:
        if isinstance(event, StepFinished) and event.step_id == "stop-remoted":
            seen.append(len(sim.failures_of("rn1")))
    await run_plan(Plan("wrong order", tuple(good.step(i) for i in order)), sim.pool, default_host="node1",
                   read_only=False, listeners=[watch])
    assert seen == [1]


async def test_a_cancelled_run_resumes_from_its_journal(tmp_path):
    """A console killed mid-plan: the journal's recipe rebuilds the same plan, and the resume
    skips what was done, reads the key again and ends with the node online."""
    from tui.ops import journal, recipes
    sim = Sim()
    wizard, inp, facts, outcomes = await sim.checks("add-remote", name="rn3", address="10.20.0.23", method="direct")
    plan = wizard.plan(inp, facts, "direct", outcomes)
    cancel = asyncio.Event()
    record = journal.Journal(plan, cluster="demo", demo=True, state_dir=tmp_path, default_host="node1")

    def stop_after_the_daemon(event) -> None:
        if isinstance(event, StepFinished) and event.step_id == "start-remoted":
            cancel.set()
    first = await run_plan(plan, sim.pool, default_host="node1", read_only=False, cancel=cancel,
                           listeners=[record, stop_after_the_daemon], run_id=None)
    record.close()
    assert not first.ok and sim.primitive("rn3") is None
    run = journal.load(first.run_id, tmp_path)
    rebuilt = recipes.build(*run.recipe)
    resume = journal.plan_resume(rebuilt, run)
    again = journal.Journal.reopen(rebuilt, first.run_id, cluster="demo", demo=True, state_dir=tmp_path)
    result = await run_plan(rebuilt, sim.pool, default_host="node1", read_only=False, skip=resume.skip,
                            resumed=True, run_id=first.run_id, listeners=[again])
    again.close()
    assert result.ok, result.summary()
    states = {o.step.id: o.state for o in result.outcomes}
    assert states["read-authkey"] is StepState.DONE  # a secret is read again, never journalled
    assert states["create-connection"] is StepState.DONE and states["wait-online"] is StepState.DONE
    assert sim.snapshot().node("rn3").online
    written = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert written and sim.state.authkey[:32] not in written and sim.state.authkey.hex()[:32].encode() not in written
    assert journal.load(first.run_id, tmp_path).state_word == "done"


def test_facts_from_the_demo_snapshot():
    facts = Sim().facts()
    assert facts.version == "3.0.0" and set(facts.cluster_nodes) == {"node1", "node2", "node3"}
    assert {"rn1", "rn2"} <= set(facts.remote_nodes) and {"gn1", "gn2"} <= set(facts.guest_nodes)
    assert facts.node_addresses["rn1"] == "10.20.0.21" and facts.guest_resources["vm-gn1"] == "gn1"
    assert set(facts.bundle_replicas) == {"httpd-bundle-0", "httpd-bundle-1"}
    vm = facts.primitive("vm-gn1")
    assert vm.guest_of == "gn1" and vm.running_on
    assert facts.primitive("rn1").is_remote_connection
    assert facts.primitive("ping") is None  # a clone's instances are no guest candidates
    assert "memcached" in facts.running_on("gn1")


async def test_a_plan_built_without_the_checks_refuses_any_key_on_the_target():
    sim = Sim()
    sim.state.host("rn3").fs.write(AUTHKEY, sim.state.authkey, owner="hacluster", group="haclient", mode=0o400)
    wizard = WIZARDS["add-remote"]
    inp = wizard.input_type(name="rn3", address="10.20.0.23")
    result = await run_plan(wizard.plan(inp, sim.facts(), "direct"), sim.pool, default_host="node1", read_only=False)
    assert result.failed.step.id == "target-key-free" and "run the checks again" in result.failed.error
    _, _, _, with_checks = await sim.run("add-remote", name="rn3", address="10.20.0.23", method="direct")
    assert with_checks.ok, with_checks.summary()  # the same key, known by its hash: fine


async def test_no_key_byte_in_the_action_log_the_read_log_the_events_or_the_plan(tmp_path):
    from tui.ops.render import render_plan
    from tui.remote.actionlog import ActionLog
    sim = Sim(log=ActionLog(tmp_path / "actions.jsonl"))
    _, _, plan, result = await sim.run("add-remote", name="rn3", address="10.20.0.23", method="direct")
    assert result.ok, result.summary()
    key = sim.state.authkey
    logged = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert logged  # the writes were recorded
    for chunk in (key[:16], key[-16:], key.hex()[:24].encode()):
        assert chunk not in logged
    assert key.hex()[:24] not in render_plan(plan, "node1") + repr(result.context) + repr(result.outcomes)


async def test_a_cluster_without_a_key_gets_one_everywhere_as_pcs_does():
    sim = Sim()
    for node in ("node1", "node2", "node3"):
        sim.state.host(node).fs.remove(AUTHKEY)

    _, inp, facts, outcomes = await sim.checks("add-remote", name="rn3", address="10.20.0.23", method="direct")
    by_id = {o.step_id: o for o in outcomes}
    assert by_id["authkey-cluster"].level == "warn" and "makes one" in by_id["authkey-cluster"].observed
    plan = WIZARDS["add-remote"].plan(inp, facts, "direct", outcomes)
    assert {"generate-authkey", "write-authkey-node1", "write-authkey-node3", "write-authkey"} <= {s.id for s in plan.steps}
    assert "read-authkey" not in {s.id for s in plan.steps}

    def the_cluster_reads_the_new_key(event) -> None:  # the simulated cluster knows one key
        if isinstance(event, StepFinished) and event.step_id == "write-authkey-node1":
            sim.state.authkey = sim.state.host("node1").fs.get(AUTHKEY).content
    result = await run_plan(plan, sim.pool, default_host="node1", read_only=False,
                            listeners=[the_cluster_reads_the_new_key])
    keys = {h: sim.state.host(h).fs.get(AUTHKEY).content for h in ("node1", "node2", "node3", "rn3")}
    assert len(set(keys.values())) == 1 and len(keys["rn3"]) == 256
    assert all(sim.state.host(h).fs.get(AUTHKEY).mode == 0o400 for h in keys)
    assert result.ok, result.summary()


async def test_direct_guest_meta_equals_the_pcs_guest_meta():
    metas = []
    for method in ("direct", "pcs"):
        sim = Sim()
        _, _, _, result = await sim.run("add-guest", name="gn3", resource="vm-gn3", address="10.20.0.43", port=3121,
                                        connect_timeout="30s", method=method)
        assert result.ok, result.summary()
        vm = sim.primitive("vm-gn3")
        metas.append(sorted((n.get("id"), n.get("name"), n.get("value"))
                            for n in vm.iter("nvpair") if n.getparent().tag == "meta_attributes"))
    assert metas[0] == metas[1]
    assert ("vm-gn3-meta_attributes-remote-node", "remote-node", "gn3") in metas[0]
