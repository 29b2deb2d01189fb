"""The auth view (tui.ops.certs.authview) read from the demo through the real pool: what the
console shows of the demo before and after a conversion done by raw argv (test_sim_certs)."""

from __future__ import annotations

import asyncio

from tests.sim.test_sim_certs import REMOTES, ca, convert, now  # noqa: F401 (ca: a fixture)
from tui.ops.certs.authview import collect_auth, findings
from tui.pacemaker import commands
from tui.pacemaker.crm_mon import parse_status
from tui.remote.pool import WorkerPool
from tui.sim import demo_transport_factory
from tui.sim.commands import execute


def _auth(sim):
    rc, out, _ = execute(sim, "node1", commands.crm_mon_status())
    snapshot = parse_status(out.encode(), rc)
    pool = WorkerPool(demo_transport_factory(sim, latency=(0, 0)), None, cluster="demo", transport_kind="demo")
    return asyncio.run(collect_auth(pool, snapshot, default_host="node1"))


def test_the_demo_shows_psk_everywhere_with_one_key_on_3_0_0(sim):
    nodes = {n.node: n for n in _auth(sim)}
    assert {"node1", "node2", "node3", *REMOTES} <= set(nodes)
    for name in ("node1", "node2", "node3", *REMOTES):
        assert nodes[name].mode == "psk" and nodes[name].reachable and nodes[name].version_ok, nodes[name]
        assert nodes[name].version == "3.0.0"
    assert len({nodes[n].authkey_sha256 for n in ("node1", "node2", "node3", *REMOTES)}) == 1
    assert [f for f in findings(list(nodes.values()), now=now(sim)) if f.level == "error"] == []


def test_after_a_conversion_it_shows_x509_and_the_certificates(sim, ca):
    convert(sim, ca)
    nodes = {n.node: n for n in _auth(sim)}
    for name in ("node1", "node2", "node3", *REMOTES):
        node = nodes[name]
        assert node.mode == "x509" and node.cert is not None and f"CN={name}" in node.cert.subject, node
    assert len({nodes[n].ca_sha256 for n in ("node1", "node2", "node3", *REMOTES)}) == 1
    assert [f for f in findings(list(nodes.values()), now=now(sim)) if f.level == "error"] == []
