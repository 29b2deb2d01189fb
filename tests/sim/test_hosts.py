"""The demo's machines: every node has one, with the environment file and the authkey;
spare machines are reachable and outside the cluster."""

from __future__ import annotations

import hashlib

import pytest

from tui.remote.secret import Secret
from tui.remote.transport import TransportError
from tui.sim import DemoTransport, demo_config, demo_transport_factory
from tui.sim.hosts import AUTHKEY, SYSCONFIG
from tui.sim.model import BUNDLE, CLUSTER, GUEST, REMOTE
from tui.sim.scenario import SPARES

NOW = {"latency": (0, 0)}


def test_every_node_has_a_machine_with_the_same_authkey(sim):
    digests = set()
    for name in sim.nodes:
        host = sim.host(name)
        key = host.fs.get(AUTHKEY)
        assert (key.owner, key.group, key.mode) == ("hacluster", "haclient", 0o400), name
        assert host.fs.get(SYSCONFIG) is not None, name
        digests.add(hashlib.sha256(key.content).hexdigest())
    assert len(digests) == 1
    assert len(sim.authkey) == 4096


def test_the_authkey_is_generated_from_the_seed_and_not_from_the_cluster_life(clock):
    from tui.sim import build_demo

    a, b, c = build_demo(seed=1, clock=clock), build_demo(seed=1, clock=clock), build_demo(seed=2, clock=clock)
    assert a.authkey == b.authkey != c.authkey
    assert a.authkey not in repr(a.hosts).encode()


@pytest.mark.parametrize("kind, running", [
    (CLUSTER, {"pacemaker", "corosync", "pcsd"}),
    (REMOTE, {"pacemaker_remote", "pcsd"}),
    (GUEST, {"pacemaker_remote", "pcsd"}),
    (BUNDLE, {"pacemaker_remote"}),
])
def test_each_kind_runs_its_daemons(sim, kind, running):
    names = [n for n, d in sim.nodes.items() if d.kind == kind]
    assert names
    for name in names:
        host = sim.host(name)
        assert {u for u, s in host.services.items() if s.active} == running, name


async def test_spares_are_reachable_not_in_the_cluster_and_ready_for_a_key(sim, clock):
    sim.tick(clock.advance(3))  # gn3 runs inside the spare VM, which the cluster starts at once
    transport_for = demo_transport_factory(sim, **NOW)
    configured = {n.name for n in demo_config(sim).nodes}
    for name, address in SPARES:
        assert name not in configured and name not in sim.nodes
        t = transport_for(name)
        assert (await t.run(("hostname",))).stdout == f"{name}\n".encode()
        assert (await t.run(("systemctl", "is-active", "pacemaker_remote"))).stdout == b"inactive\n"
        assert (await t.run(("systemctl", "is-enabled", "pacemaker_remote"))).stdout == b"disabled\n"
        assert (await t.run(("test", "-e", AUTHKEY))).exit_status == 1
        assert (await t.run(("test", "-d", "/etc/pacemaker"))).exit_status == 0
        assert (await t.run(("test", "-e", SYSCONFIG))).exit_status == 0
        crm_mon = await t.run(("crm_mon", "--one-shot", "--inactive", "--output-as=xml"))
        assert crm_mon.exit_status == 102  # not a cluster member: no CIB to ask
        assert sim.host(address) is sim.host(name)


async def test_a_secret_on_stdin_is_what_install_writes(sim):
    t = DemoTransport(sim, "rn3", **NOW)
    result = await t.run(("install", "-m", "0400", "-o", "hacluster", "-g", "haclient", "/dev/stdin", AUTHKEY),
                         stdin=Secret(sim.authkey, "authkey"))
    assert result.exit_status == 0 and result.stdout == result.stderr == b""
    node1_sum = (await DemoTransport(sim, "node1", **NOW).run(("sha256sum", AUTHKEY))).stdout
    assert (await t.run(("sha256sum", AUTHKEY))).stdout == node1_sum
    assert (await t.run(("stat", "-c", "%U:%G:%a", AUTHKEY))).stdout == b"hacluster:haclient:400\n"


async def test_unknown_hosts_still_fail_to_connect(sim):
    with pytest.raises(KeyError):
        demo_transport_factory(sim)("rn9")
    with pytest.raises(TransportError):
        await DemoTransport(sim, "rn9", **NOW).run(("true",))


async def test_the_spare_guest_machine_answers_only_while_its_vm_runs(sim, clock):
    """gn3 is the machine inside vm-gn3: down until the cluster starts the VM, and again
    once it is stopped."""
    from tui.pacemaker import nodecmds
    from tui.sim.commands import execute

    gn3 = DemoTransport(sim, "gn3", **NOW)
    with pytest.raises(TransportError):
        await gn3.run(("true",))
    assert execute(sim, "node1", nodecmds.tcp_connect("10.20.0.43", 22)) == (124, "", "")
    sim.tick(clock.advance(3))
    assert (await gn3.run(("true",))).exit_status == 0
    assert execute(sim, "node1", nodecmds.stop_resource("vm-gn3"))[0] == 0
    with pytest.raises(TransportError):
        await gn3.run(("true",))
    assert execute(sim, "node1", nodecmds.pcs_add_guest("gn3", "vm-gn3"))[2].endswith(
        "Error: Errors have occurred, therefore pcs is unable to continue\n")
