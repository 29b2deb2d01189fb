"""Part A's certs-convert plan, run for real against the demo cluster (the plan engine, the
pool, DemoTransport): what `--demo` shows an operator. Every remote and guest node must end
online on X.509 with PCMK_cert_file in both daemons' environment, nothing failed."""

from __future__ import annotations

import asyncio
import time

import pytest

from tui.ops.certs import plans as cert_plans
from tui.ops.certs import watch
from tui.ops.certs.inputs import CertsConvert
from tui.ops.certs.wizard import WIZARDS, CertsContext
from tui.ops import journal
from tui.ops.engine import run_plan
from tui.ops.nodes.facts import facts_from_snapshot
from tui.ops.nodes.preflight import run_checks
from tui.pacemaker import cib, commands, nodecmds
from tui.pacemaker.crm_mon import parse_status
from tui.remote.pool import WorkerPool
from tui.sim import DemoCluster, demo_transport_factory
from tui.sim.commands import execute

REMOTES = ("rn1", "rn2", "gn1", "gn2")


class Clock:
    """Each command moves the demo on a little, so restarts and reconnects happen. It starts
    at the real time: the console signs certificates valid from its own now (as in --demo)."""

    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> float:
        self.t += 0.2
        return self.t


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PCMK_CONSOLE_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(cert_plans, "WAIT_INTERVAL", 0.001)
    monkeypatch.setattr(watch, "INTERVAL", 0.01)


def _facts(sim):
    rc, out, _ = execute(sim, "node1", commands.crm_mon_status())
    snap = parse_status(out.encode(), rc)
    rc, out, _ = execute(sim, "node1", commands.cib_configuration())
    return facts_from_snapshot(cib.join(snap, cib.parse_configuration(out.encode())))


async def _convert(sim, state_dir, kind="certs-convert", **fields):
    pool = WorkerPool(demo_transport_factory(sim, latency=(0, 0)), None, cluster="demo", transport_kind="demo")
    wizard = WIZARDS[kind]
    inp = wizard.input_type(**fields)
    facts = _facts(sim)
    context = CertsContext(state_dir=state_dir, cluster="demo-prod")
    try:
        outcomes = await run_checks(wizard.preflight(inp, facts, context), pool, default_host="node1")
        failed = [(o.step_id, o.observed) for o in outcomes if o.level == "fail"]
        assert failed == [], failed
        plan = wizard.plan(inp, facts, context, outcomes)
        record = journal.Journal(plan, cluster="demo-prod", demo=True)
        try:
            result = await asyncio.wait_for(run_plan(plan, pool, default_host="node1", read_only=False,
                                                     listeners=[record]), 120)
        finally:
            record.close()
    finally:
        await pool.close()
    return plan, result


def test_the_conversion_runs_end_to_end_on_the_demo(state_dir):
    sim = DemoCluster(seed=0, clock=Clock(), life=False)
    plan, result = asyncio.run(_convert(sim, state_dir))
    failed = result.failed
    assert result.ok, (failed.step.id, failed.error, failed.result) if failed else result.state
    windows = result.context.get("disconnect_windows")
    assert set(windows) == set(REMOTES) and all(seconds > 0 for seconds in windows.values()), windows
    rc, out, _ = execute(sim, "node2", commands.crm_mon_status())
    snap = parse_status(out.encode(), rc)
    online = {n.name for n in snap.nodes if n.online}
    assert set(REMOTES) <= online
    assert not sim.maintenance_mode
    for host in REMOTES:
        assert "PCMK_cert_file=" in execute(sim, host, nodecmds.daemon_tls_environ("pacemaker-remoted"))[1]
    for host in ("node1", "node2", "node3"):
        assert "PCMK_cert_file=" in execute(sim, host, nodecmds.daemon_tls_environ("pacemaker-controld"))[1]
    assert [f for f in snap.failures] == []


def test_the_rollback_returns_the_demo_to_psk(state_dir):
    sim = DemoCluster(seed=0, clock=Clock(), life=False)
    _, done = asyncio.run(_convert(sim, state_dir))
    assert done.ok
    _, back = asyncio.run(_convert(sim, state_dir, "certs-rollback", run_id=done.run_id))
    failed = back.failed
    assert back.ok, (failed.step.id, failed.error, failed.result) if failed else back.state
    rc, out, _ = execute(sim, "node2", commands.crm_mon_status())
    snap = parse_status(out.encode(), rc)
    assert set(REMOTES) <= {n.name for n in snap.nodes if n.online} and not sim.maintenance_mode
    for host in REMOTES:
        assert execute(sim, host, nodecmds.daemon_tls_environ("pacemaker-remoted")) == (0, "", "")
