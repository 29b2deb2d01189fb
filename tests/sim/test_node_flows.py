"""The node wizards' whole journeys in the simulator, through the argv of nodecmds: add a
remote and a guest by the direct method and by pcs, remove both ways, a wrong key, and the
crm_simulate preview that must leave the live cluster alone."""

from __future__ import annotations

import pytest
from lxml import etree

from tui.pacemaker import nodecmds as n
from tui.remote.secret import Secret
from tui.sim import DemoTransport
from tui.sim.cib import full_cib, to_text
from tui.sim.commands import execute
from tui.sim.hosts import AUTHKEY, SYSCONFIG
from tui.sim.pcs import DEFAULT_OPS
from tui.sim.render import crm_mon_xml
from tui.sim.state import CONNECT_DELAY

NOW = {"latency": (0, 0)}
INSTALL_KEY = ("install", "-m", "0400", "-o", "hacluster", "-g", "haclient", "/dev/stdin", AUTHKEY)


def sh(sim, host, argv, stdin=b""):
    return execute(sim, host, tuple(argv), stdin)


def mon(sim):
    return etree.fromstring(crm_mon_xml(sim).encode())


def node(sim, name):
    return next((el for el in mon(sim).iter("node") if el.get("name") == name and el.get("online")), None)


def resource(sim, rid):
    return next((el for el in mon(sim).iter("resource") if el.get("id") == rid), None)


def failures(sim, rsc):
    return [f for f in mon(sim).iter("failure") if f.get("op_key", "").startswith(f"{rsc}_")]


def online_and_started(sim, name, connection=None):
    """What the wizards' WaitStep checks: online, and the connection resource Started."""
    found, conn = node(sim, name), resource(sim, connection or name)
    return found is not None and found.get("online") == "true" and conn is not None and conn.get("role") == "Started"


def remote_xml(name, server, **params):
    params = {**params, "server": server}
    pairs = "".join(f'<nvpair id="{name}-instance_attributes-{k}" name="{k}" value="{v}"/>' for k, v in params.items())
    ops = "".join(f'<op id="{name}-{o.name}-interval-{o.interval}" interval="{o.interval}" name="{o.name}" '
                  f'timeout="{o.timeout}"/>' for o in DEFAULT_OPS)
    return (f'<primitive id="{name}" class="ocf" provider="pacemaker" type="remote">'
            f'<instance_attributes id="{name}-instance_attributes">{pairs}</instance_attributes>'
            f'<operations>{ops}</operations></primitive>')


# ---- add-remote ----------------------------------------------------------------------------


async def test_add_remote_the_direct_way_through_the_transport(sim, clock):
    """Read the key on a cluster node, write it on the target, enable --now, create the
    primitive: online once the connection has started (CONNECT_DELAY later)."""
    node1, rn3 = DemoTransport(sim, "node1", **NOW), DemoTransport(sim, "rn3", **NOW)
    assert (await rn3.run(("pidof", "pacemaker-remoted"))).exit_status == 1
    key = (await node1.run(("cat", AUTHKEY))).stdout
    assert (await rn3.run(INSTALL_KEY, stdin=Secret(key, "authkey"))).exit_status == 0
    assert (await rn3.run(n.sha256(AUTHKEY))).stdout == (await node1.run(n.sha256(AUTHKEY))).stdout
    assert (await rn3.run(n.enable_start())).exit_status == 0
    assert (await node1.run(n.tcp_connect("10.20.0.23", 3121))).exit_status == 0
    created = await node1.run(n.create_resource(remote_xml("rn3", "10.20.0.23", reconnect_interval="60s")))
    assert (created.exit_status, created.stdout, created.stderr) == (0, b"", b"")
    assert not online_and_started(sim, "rn3")
    clock.advance(CONNECT_DELAY + 1)
    await node1.run(("true",))  # each call lets the demo cluster live up to the clock
    assert online_and_started(sim, "rn3")
    assert not failures(sim, "rn3")
    located = await node1.run(n.resource_state("rn3"))
    assert located.stdout.decode().startswith("resource rn3 is running on: node")


def test_add_remote_the_pcs_way(sim, clock):
    assert sh(sim, "node1", n.pcs_add_remote("rn3", "10.20.0.23", reconnect_interval="60s"))[0] == 0
    sim.tick(clock.advance(CONNECT_DELAY + 1))
    assert online_and_started(sim, "rn3") and not failures(sim, "rn3")


def test_both_ways_give_the_same_cib(clock):
    from tui.sim import build_demo

    direct, via_pcs = (build_demo(seed=0, clock=clock, life=False) for _ in range(2))
    sh(direct, "rn3", INSTALL_KEY, stdin=direct.authkey)
    sh(direct, "rn3", n.enable_start())
    sh(direct, "node1", n.create_resource(remote_xml("rn3", "10.20.0.23", reconnect_interval="60s")))
    sh(via_pcs, "node1", n.pcs_add_remote("rn3", "10.20.0.23", reconnect_interval="60s"))
    resources = [to_text(s_cib.find("configuration/resources")) for s_cib in (full_cib(direct), full_cib(via_pcs))]
    assert resources[0] == resources[1]


# ---- add-guest -----------------------------------------------------------------------------


@pytest.mark.parametrize("order", [("remote-addr", "remote-node"), ("remote-node", "remote-addr")])
def test_add_guest_the_direct_way(sim, clock, order):
    sim.tick(clock.advance(CONNECT_DELAY + 1))  # the spare VM vm-gn3 runs
    assert sh(sim, "node1", n.resource_state("vm-gn3"))[1] == "resource vm-gn3 is running on: node2\n"
    sh(sim, "gn3", INSTALL_KEY, stdin=sim.authkey)
    sh(sim, "gn3", n.enable_start())
    values = {"remote-addr": "10.20.0.43", "remote-node": "gn3"}
    for name in order:
        rc, out, _ = sh(sim, "node1", n.set_meta("vm-gn3", name, values[name]))
        assert rc == 0 and out == (f"Set 'vm-gn3' option: id=vm-gn3-meta_attributes-{name} "
                                   f"set=vm-gn3-meta_attributes name={name} value={values[name]}\n")
    assert online_and_started(sim, "gn3")
    assert sim.nodes["gn3"].address == "10.20.0.43"
    assert sh(sim, "node2", n.tcp_connect("10.20.0.43", 3121)) == (0, "", "")


def test_add_guest_the_pcs_way(sim, clock):
    sim.tick(clock.advance(CONNECT_DELAY + 1))
    assert sh(sim, "node1", n.pcs_add_guest("gn3", "vm-gn3", address="10.20.0.43"))[0] == 0
    assert online_and_started(sim, "gn3")


# ---- remove --------------------------------------------------------------------------------


def test_remove_remote_the_direct_way_records_no_failure(sim):
    """Stop the connection, delete it, forget the node, then stop the daemon and drop the key:
    the cluster never loses a live connection, so it records no failed action."""
    assert sh(sim, "node1", n.stop_resource("rn1"))[0] == 0
    assert sh(sim, "node1", n.resource_state("rn1")) == (0, "", "resource rn1 is NOT running\n")
    assert sh(sim, "node1", n.delete_resource("rn1")) == (0, "", "")
    assert sh(sim, "node1", n.remove_node("rn1")) == (0, "", "")
    assert sh(sim, "rn1", n.disable_stop())[0] == 0
    assert sh(sim, "rn1", n.remove_file(AUTHKEY)) == (0, "", "")
    assert node(sim, "rn1") is None and "rn1" not in sim.nodes
    assert not failures(sim, "rn1")
    assert sh(sim, "node1", n.log_lines("rn1"))[0] == 1  # nothing went wrong
    assert sh(sim, "node1", n.cib_id_taken("rn1"))[0] == 105 and sh(sim, "node1", n.cib_node_named("rn1"))[0] == 105


def test_remove_remote_the_pcs_way(sim):
    assert sh(sim, "node1", n.pcs_remove_remote("rn1"))[0] == 0
    assert node(sim, "rn1") is None and "rn1" not in sim.primitives
    assert sim.host("rn1").fs.get(AUTHKEY) is None


def test_remove_guest_the_direct_way(sim):
    for name in ("remote-node", "remote-addr", "remote-port"):
        assert sh(sim, "node1", n.delete_meta("vm-gn1", name))[0] == 0
    assert sh(sim, "node1", n.remove_node("gn1")) == (0, "", "")
    assert sh(sim, "gn1", n.disable_stop())[0] == 0
    assert sh(sim, "gn1", n.remove_file(AUTHKEY)) == (0, "", "")
    assert node(sim, "gn1") is None and "gn1" not in sim.nodes
    assert resource(sim, "vm-gn1").get("role") == "Started"  # the VM keeps running
    assert not failures(sim, "gn1")
    sim._settle()  # the cluster keeps working without it


def test_remove_guest_the_pcs_way(sim):
    assert sh(sim, "node1", n.pcs_remove_guest("gn1"))[0] == 0
    assert node(sim, "gn1") is None and resource(sim, "vm-gn1").get("role") == "Started"


# ---- failures with the real words ------------------------------------------------------------


@pytest.mark.parametrize("key", [b"not the cluster's key", None], ids=["other-key", "no-key"])
def test_a_wrong_key_fails_the_start_for_good(sim, clock, key):
    if key is not None:
        sh(sim, "rn3", INSTALL_KEY, stdin=key)
    sh(sim, "rn3", n.enable_start())
    sh(sim, "node1", n.create_resource(remote_xml("rn3", "10.20.0.23", reconnect_interval="60s")))
    sim.tick(clock.advance(CONNECT_DELAY + 1))
    assert not online_and_started(sim, "rn3") and node(sim, "rn3").get("online") == "false"
    (failure,) = failures(sim, "rn3")
    assert (failure.get("task"), failure.get("exitstatus"), failure.get("exitreason"), failure.get("status")) == (
        "start", "Invalid parameter", "Key was rejected by service", "Error")  # 3.0's crm_exit_str
    host = failure.get("node")
    rc, out, _ = sh(sim, host, n.log_lines("rn3"))
    assert rc == 0 and "Could not connect to Pacemaker Remote node rn3: Key was rejected by service" in out
    assert ("Disconnecting after TLS handshake with Pacemaker Remote server 10.20.0.23:3121 failed: "
            "Key was rejected by service") in sh(sim, host, n.log_lines("10.20.0.23"))[1]
    assert "TLS handshake with remote client failed" in sh(sim, "rn3", n.log_lines("TLS"))[1]
    if key is None:
        assert sh(sim, "rn3", n.log_lines("until the key is available"))[0] == 0
    # a hard error: not retried after reconnect_interval, even once the right key is there
    sh(sim, "rn3", INSTALL_KEY, stdin=sim.authkey)
    sim.tick(clock.advance(120))
    assert not online_and_started(sim, "rn3") and len(failures(sim, "rn3")) == 1


def test_no_daemon_fails_the_start_and_is_retried(sim, clock):
    sh(sim, "rn3", INSTALL_KEY, stdin=sim.authkey)
    sh(sim, "node1", n.create_resource(remote_xml("rn3", "10.20.0.23", reconnect_interval="60s")))
    sim.tick(clock.advance(CONNECT_DELAY + 1))
    (failure,) = failures(sim, "rn3")
    assert failure.get("task") == "start" and failure.get("exitreason") == ""
    assert "Could not connect to Pacemaker Remote node rn3: Connection refused" in sh(
        sim, failure.get("node"), n.log_lines("rn3"))[1]
    assert "Pacemaker Remote connection to 10.20.0.23:3121 failed" in sh(
        sim, failure.get("node"), n.log_lines("10.20.0.23"))[1]
    sh(sim, "rn3", n.enable_start())
    sim.tick(clock.advance(61))  # after reconnect_interval it tries again, and now it works
    assert online_and_started(sim, "rn3")


# ---- the preview -----------------------------------------------------------------------------


@pytest.mark.parametrize("change, expect", [
    (n.stop_resource("rn1"), ["  * Stop       rn1 ", "  * Stop       worker "]),
    (n.delete_meta("vm-gn1", "remote-node"), ["  * Stop       memcached ", "  * Stop       gn1 "]),
    (n.delete_resource("rn2"), ["  * Stop       rn2 ", "  * Stop       worker "]),
    (n.stop_resource("vm-gn2"), ["  * Stop       vm-gn2 ", "  * Stop       gn2 ", "  * Stop       redis "]),
])
def test_simulate_change_previews_and_leaves_the_live_cluster_alone(sim, change, expect):
    before = to_text(full_cib(sim)), crm_mon_xml(sim), {h: dict(m.fs.entries) for h, m in sim.hosts.items()}
    rc, out, err = sh(sim, "node1", n.simulate_change(change))
    assert rc == 0 and err == ""
    summary = out[out.index("Transition Summary:\n"):out.index("Revised Cluster Status:")]
    for line in expect:
        assert line in summary, out
    assert out.index("Current cluster status:") < out.index("Transition Summary:") < out.index("Revised Cluster Status:")
    after = to_text(full_cib(sim)), crm_mon_xml(sim), {h: dict(m.fs.entries) for h, m in sim.hosts.items()}
    assert after == before


def test_simulate_change_of_a_failing_change_says_why_and_changes_nothing(sim):
    before = to_text(full_cib(sim))
    rc, out, err = sh(sim, "node1", n.simulate_change(n.stop_resource("nope")))
    assert rc == 1 and "Resource 'nope' not found" in err and "Transition Summary" not in out
    assert to_text(full_cib(sim)) == before


def test_simulate_change_needs_the_cib(sim):
    rc, _, err = sh(sim, "rn3", n.simulate_change(n.stop_resource("rn1")))  # a spare: no cluster there
    assert rc == 1 and "Could not connect to the CIB" in err


# ---- what the daemons' life does to the cluster -----------------------------------------------


def test_a_guest_whose_daemon_stops_goes_offline(sim):
    assert sh(sim, "gn2", ("systemctl", "stop", "pacemaker_remote")) == (0, "", "")
    assert node(sim, "gn2").get("online") == "false"
    assert "Lost connection to Pacemaker Remote node gn2" in sh(sim, "node2", n.log_lines("gn2"))[1]
    assert sh(sim, "node2", n.tcp_connect("10.20.0.42", 3121))[0] == 1  # the VM answers, remoted does not


def test_pcs_remove_guest_drops_the_connection_first_as_0_11_5_does(sim):
    assert sh(sim, "node1", n.pcs_remove_guest("gn2"))[0] == 0
    assert "Lost connection to Pacemaker Remote node gn2" in sh(sim, "node2", n.log_lines("gn2"))[1]


def test_the_cluster_lives_on_after_removals_with_reconnects_pending(clock):
    from tui.sim import build_demo

    sim = build_demo(seed=4, clock=clock)  # with its scripted life
    assert sh(sim, "node1", n.pcs_remove_remote("rn2"))[0] == 0  # its drop scheduled a reconnect
    assert sh(sim, "node1", n.pcs_remove_guest("gn1"))[0] == 0
    for _ in range(20):
        sim.tick(clock.advance(60))
    assert "rn2" not in sim.nodes and "gn1" not in sim.nodes
    assert node(sim, "rn1") is not None


def test_each_side_reads_its_key_at_pcmk_authkey_location(sim, clock):
    """pcs writes the hard-coded path: with PCMK_authkey_location set on the target its add
    ends in a rejected key; the key written at the effective location works."""
    fs = sim.host("rn3").fs
    fs.write(SYSCONFIG, fs.get(SYSCONFIG).content + b'PCMK_authkey_location="/etc/pacemaker/rn3.key"\n')
    assert sh(sim, "node1", n.pcs_add_remote("rn3", "10.20.0.23"))[0] == 0
    sim.tick(clock.advance(CONNECT_DELAY + 1))
    assert [f.get("exitreason") for f in failures(sim, "rn3")] == ["Key was rejected by service"]
    sh(sim, "rn3", ("install", "-m", "0400", "-o", "hacluster", "-g", "haclient", "/dev/stdin",
                    "/etc/pacemaker/rn3.key"), stdin=sim.authkey)
    sh(sim, "node1", ("crm_resource", "--cleanup", "--resource", "rn3"))
    sim.tick(clock.advance(CONNECT_DELAY + 1))
    assert online_and_started(sim, "rn3")


def test_a_remote_listening_on_another_port_is_refused(sim, clock):
    fs = sim.host("rn3").fs
    fs.write(SYSCONFIG, fs.get(SYSCONFIG).content + b'PCMK_remote_port="3199"\n')
    sh(sim, "rn3", INSTALL_KEY, stdin=sim.authkey)
    sh(sim, "rn3", n.enable_start())
    sh(sim, "node1", n.create_resource(remote_xml("rn3", "10.20.0.23", port="3121")))
    sim.tick(clock.advance(CONNECT_DELAY + 1))
    assert [f.get("exitreason") for f in failures(sim, "rn3")] == [""]  # refused, not a key error
    sh(sim, "node1", n.delete_resource("rn3"))
    sh(sim, "node1", n.remove_node("rn3"))
    sh(sim, "node1", n.create_resource(remote_xml("rn3", "10.20.0.23", port="3199")))
    sim.tick(clock.advance(CONNECT_DELAY + 1))
    assert online_and_started(sim, "rn3")
