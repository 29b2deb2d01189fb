"""The conversion end to end on the simulator (tui.sim, the demo cluster: 3 cluster nodes,
2 remote, 2 guest): preflight, plan, run; every remote and guest node online afterwards, a
disconnect window per remote/guest node, each daemon started with the certificate, and a
rollback back to PSK with the nodes online. Skipped while the simulator does not answer the
X.509 argv (openssl on the nodes, node_in_maintenance)."""

from __future__ import annotations

import pytest

import time

from tests.ops.test_nodes_sim import Sim as NodeSim
from tui.ops.certs import plans
from tui.ops.certs.inputs import CertsConvert, CertsRollback
from tui.ops.certs.wizard import WIZARDS, CertsContext
from tui.ops.engine import run_plan
from tui.ops import journal
from tui.ops.nodes.preflight import run_checks
from tui.pacemaker import commands, nodecmds
from tui.sim import DemoCluster
from tui.sim.commands import execute


def _sim_answers_x509() -> bool:
    now = [1_000_000_000.0]
    state = DemoCluster(seed=1, clock=lambda: now[0], life=False)
    if execute(state, "rn1", nodecmds.openssl_present())[0] != 0:
        return False
    execute(state, "node1", commands.cluster_maintenance(True))
    for _ in range(20):
        now[0] += 0.5
        state.tick()
        if execute(state, "node1", nodecmds.node_in_maintenance("rn1"))[0] == 0:
            return True
    return False


pytestmark = pytest.mark.skipif(not _sim_answers_x509(),
                                reason="the simulator does not answer openssl / node_in_maintenance yet (part B)")

REMOTES = ("rn1", "rn2", "gn1", "gn2")


class Sim(NodeSim):
    """The node wizards' Sim with its clock at the real now: the console signs certificates
    from the real clock, and the simulated GnuTLS checks them against the sim's."""

    def __init__(self, seed: int = 5) -> None:
        from tui.remote.pool import WorkerPool
        from tui.sim import demo_transport_factory
        self.now = time.time()
        self.state = DemoCluster(seed=seed, clock=self.clock, life=False)
        self.state.tick(self.now + 10)
        self.pool = WorkerPool(demo_transport_factory(self.state, latency=(0, 0)), None, cluster="demo",
                               transport_kind="demo")


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    from tui.ops.nodes import plans as node_plans
    monkeypatch.setattr(node_plans, "WAIT_INTERVAL", 0.001)
    monkeypatch.setattr(plans, "WAIT_INTERVAL", 0.001)
    monkeypatch.setattr(plans, "MAINTENANCE_SEEN_INTERVAL", 0.001)
    monkeypatch.setattr(plans.watch_mod, "INTERVAL", 0.001)


async def convert(sim, context, **fields):
    wizard, inp = WIZARDS["certs-convert"], CertsConvert(**fields)
    facts = sim.facts()
    outcomes = await run_checks(wizard.preflight(inp, facts, context), sim.pool, default_host="node1")
    failed = [(o.step_id, o.observed) for o in outcomes if o.level == "fail"]
    plan = wizard.plan(inp, facts, context, outcomes)
    j = journal.Journal(plan, cluster="demo", demo=True)
    try:
        result = await run_plan(plan, sim.pool, default_host="node1", read_only=False, listeners=[j])
    finally:
        j.close()
    return failed, plan, result


async def test_convert_on_the_sim_brings_every_node_back_on_x509(state_dir):
    sim = Sim()
    try:
        failed, plan, result = await convert(sim, CertsContext(state_dir=state_dir, cluster="demo"))
        assert failed == []
        assert result.ok, result.summary()
        snap = sim.snapshot()
        for name in REMOTES:
            assert snap.node(name).online, name
        windows = result.context["disconnect_windows"]
        assert set(windows) == set(REMOTES) and all(isinstance(v, float) for v in windows.values())
        for o in result.outcomes:
            if o.step.id.startswith("environ-"):
                assert "PCMK_cert_file=/etc/pacemaker/tls/node.crt" in o.detail
        assert not [f for f in snap.failures if f.resource in REMOTES]
    finally:
        await sim.pool.close()


async def test_rollback_on_the_sim_goes_back_to_psk_with_the_nodes_online(state_dir):
    sim = Sim()
    context = CertsContext(state_dir=state_dir, cluster="demo")
    try:
        _, _, done = await convert(sim, context)
        assert done.ok, done.summary()
        inp = CertsRollback(run_id=done.run_id)
        facts = sim.facts()
        outcomes = await run_checks(WIZARDS["certs-rollback"].preflight(inp, facts, context), sim.pool,
                                    default_host="node1")
        assert all(o.level != "fail" for o in outcomes), outcomes
        back = WIZARDS["certs-rollback"].plan(inp, facts, context, outcomes)
        result = await run_plan(back, sim.pool, default_host="node1", read_only=False)
        assert result.ok, result.summary()
        snap = sim.snapshot()
        assert all(snap.node(n).online for n in REMOTES)
        rc, out, _ = execute(sim.state, "rn1", nodecmds.daemon_tls_environ("pacemaker-remoted"))
        assert rc == 0 and "PCMK_cert_file" not in out
    finally:
        await sim.pool.close()
