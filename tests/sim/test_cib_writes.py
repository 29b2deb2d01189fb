"""What the CIB writes do to the simulated cluster: the add and remove node procedures,
step by step, as crm_mon then shows them."""

from __future__ import annotations

import pytest
from lxml import etree

from tui.sim.commands import execute
from tui.sim.hosts import AUTHKEY
from tui.sim.render import crm_mon_xml

RN3 = ('<primitive id="rn3" class="ocf" provider="pacemaker" type="remote">'
       '<instance_attributes id="rn3-instance_attributes">'
       '<nvpair id="rn3-instance_attributes-server" name="server" value="10.20.0.23"/>'
       '</instance_attributes><operations>'
       '<op id="rn3-monitor-interval-60s" name="monitor" interval="60s" timeout="30s"/></operations></primitive>')


def sh(sim, host, *argv, stdin=b""):
    return execute(sim, host, argv, stdin)


def status(sim):
    return etree.fromstring(crm_mon_xml(sim).encode())


def node(sim, name):
    return status(sim).find(f"nodes/node[@name='{name}']")


def resource(sim, rid):
    return status(sim).find(f"resources/resource[@id='{rid}']")


def prepare_rn3(sim):
    assert sh(sim, "rn3", "install", "-m", "0400", "-o", "hacluster", "-g", "haclient", "/dev/stdin", AUTHKEY,
              stdin=sim.authkey)[0] == 0
    assert sh(sim, "rn3", "systemctl", "enable", "--now", "pacemaker_remote")[0] == 0


def test_a_new_remote_node_comes_online_a_moment_after_its_connection_is_created(sim, clock):
    prepare_rn3(sim)
    epoch = sim.epoch
    assert sh(sim, "node1", "cibadmin", "--create", "-o", "resources", "-X", RN3) == (0, "", "")
    assert sim.epoch == epoch + 1
    assert node(sim, "rn3").get("online") == "false"  # not yet: the cluster has to start it
    sim.tick(clock.advance(3))
    assert node(sim, "rn3").get("online") == "true"
    assert resource(sim, "rn3").get("role") == "Started"
    assert sh(sim, "rn3", "crm_mon", "--one-shot", "--inactive", "--output-as=xml")[0] == 0


@pytest.mark.parametrize("missing", ["key", "wrong-key", "daemon"])
def test_without_the_key_or_the_daemon_the_connection_fails_and_the_node_stays_offline(sim, clock, missing):
    prepare_rn3(sim)
    if missing == "key":
        sh(sim, "rn3", "rm", "-f", AUTHKEY)
    elif missing == "wrong-key":
        sh(sim, "rn3", "install", "-m", "0400", "/dev/stdin", AUTHKEY, stdin=b"not the cluster's key")
    else:
        sh(sim, "rn3", "systemctl", "stop", "pacemaker_remote")
    sh(sim, "node1", "cibadmin", "--create", "-o", "resources", "-X", RN3)
    sim.tick(clock.advance(3))
    assert node(sim, "rn3").get("online") == "false" and node(sim, "rn3").get("unclean") == "false"
    failures = status(sim).findall("failures/failure[@op_key='rn3_start_0']")
    assert len(failures) == 1
    # fixed and cleaned up, it connects
    prepare_rn3(sim)
    assert sh(sim, "node1", "crm_resource", "--cleanup", "--resource", "rn3")[0] == 0
    assert node(sim, "rn3").get("online") == "true"


def test_create_refuses_what_pacemaker_refuses(sim):
    rc, out, err = sh(sim, "node1", "cibadmin", "--create", "-o", "resources", "-X", '<primitive id="web-ip" class="ocf" provider="heartbeat" type="IPaddr2"/>')
    assert (rc, err) == (108, "Call failed: File exists\n") and 'reason="File exists"' in out
    assert sh(sim, "node1", "cibadmin", "--create", "-o", "resources", "-X", '<primitive id="x"/>') == (
        78, "", "Call failed: Update does not conform to the configured schema\n")
    assert sh(sim, "node1", "cibadmin", "--create", "-o", "resources", "-X", "<primitive")[0] == 65
    for argv in (("cibadmin", "--create", "-o", "constraints", "-X", RN3), ("cibadmin", "--create", "-X", RN3),
                 ("cibadmin", "--create", "-o", "resources", "-X", '<group id="g"/>')):
        rc, _, err = sh(sim, "node1", *argv)
        assert rc == 64 and "simulator" in err
    assert "rn3" not in sim.nodes


def test_writes_need_a_cluster_member(sim):
    assert sh(sim, "rn3", "cibadmin", "--create", "-o", "resources", "-X", RN3)[0] == 102
    assert sh(sim, "rn3", "crm_resource", "--resource", "rn1", "--meta", "--set-parameter", "target-role",
              "--parameter-value", "Stopped")[0] == 102
    assert sh(sim, "rn3", "crm_node", "--force", "--remove", "rn1")[0] == 102
    assert "rn3" not in sim.nodes and "target-role" not in sim.primitives["rn1"][0].meta


def test_removing_a_remote_node_step_by_step(sim, clock):
    assert node(sim, "rn1").get("resources_running") == "1"
    out = sh(sim, "node1", "crm_resource", "--resource", "rn1", "--meta", "--set-parameter", "target-role",
             "--parameter-value", "Stopped")
    assert out == (0, "Set 'rn1' option: id=rn1-meta_attributes-target-role set=rn1-meta_attributes "
                      "name=target-role value=Stopped\n", "")
    # what ran there stopped first, then the connection: offline, and clean
    rn1 = node(sim, "rn1")
    assert (rn1.get("online"), rn1.get("unclean"), rn1.get("resources_running")) == ("false", "false", "0")
    assert resource(sim, "rn1").get("target_role") == "Stopped"
    sim.tick(clock.advance(600))
    assert node(sim, "rn1").get("online") == "false"  # disabled stays down
    assert sh(sim, "node1", "cibadmin", "--delete", "-o", "resources", "-X", '<primitive id="rn1"/>') == (0, "", "")
    assert resource(sim, "rn1") is None and node(sim, "rn1") is not None  # the node lingers
    assert sh(sim, "node1", "crm_node", "--force", "--remove", "rn1") == (0, "", "")
    assert node(sim, "rn1") is None and "rn1" not in sim.nodes
    assert sh(sim, "node1", "crm_node", "--force", "--remove", "rn1") == (0, "", "")  # again: still fine
    # the machine is still there, and still runs its daemon until someone stops it
    assert sh(sim, "rn1", "systemctl", "is-active", "pacemaker_remote") == (0, "active\n", "")


def test_enabling_again_brings_it_back(sim):
    for value in ("Stopped", "Started"):
        sh(sim, "node1", "crm_resource", "--resource", "rn1", "--meta", "--set-parameter", "target-role",
           "--parameter-value", value)
    assert node(sim, "rn1").get("online") == "true"
    assert sh(sim, "node1", "crm_resource", "--resource", "rn1", "--meta", "--delete-parameter", "target-role") == (
        0, "Deleted 'rn1' option: id=rn1-meta_attributes-target-role name=target-role\n", "")
    assert node(sim, "rn1").get("online") == "true"


def test_crm_node_remove_of_a_node_with_a_connection_keeps_it(sim):
    """Real Pacemaker re-adds it at once; the simulator simply keeps it."""
    assert sh(sim, "node1", "crm_node", "--force", "--remove", "rn2") == (0, "", "")
    assert node(sim, "rn2").get("online") == "true"
    assert sh(sim, "node1", "crm_node", "--remove", "rn2")[0] == 64


def test_modify_a_connection_server(sim):
    xml = '<nvpair id="rn2-instance_attributes-server" value="10.20.0.24"/>'
    assert sh(sim, "node1", "cibadmin", "--modify", "-o", "resources", "-X", xml) == (0, "", "")
    assert sim.nodes["rn2"].address == "10.20.0.24"
    assert sim.primitives["rn2"][0].params["server"] == "10.20.0.24"
    assert sh(sim, "node1", "cibadmin", "--modify", "-o", "resources", "-X", '<primitive id="zz"/>') == (
        105, "", "Call failed: No such device or address\n")


def _meta(sim, rsc, name, value=None):
    argv = ["crm_resource", "--resource", rsc, "--meta"]
    argv += ["--set-parameter", name, "--parameter-value", value] if value else ["--delete-parameter", name]
    return sh(sim, "node1", *argv)


@pytest.mark.parametrize("ready", [True, False])
def test_a_guest_node_appears_with_its_vms_remote_node_meta(sim, clock, ready):
    if ready:
        sh(sim, "gn3", "install", "-m", "0400", "-o", "hacluster", "-g", "haclient", "/dev/stdin", AUTHKEY,
           stdin=sim.authkey)
        sh(sim, "gn3", "systemctl", "enable", "--now", "pacemaker_remote")
    sim.tick(clock.advance(3))  # the demo's spare VM vm-gn3 has started
    assert resource(sim, "vm-gn3").get("role") == "Started" and node(sim, "gn3") is None
    _meta(sim, "vm-gn3", "remote-addr", "10.20.0.43")
    _meta(sim, "vm-gn3", "remote-node", "gn3")
    gn3 = node(sim, "gn3")
    assert gn3 is not None and gn3.get("online") == ("true" if ready else "false")
    assert gn3.get("id_as_resource") == "vm-gn3"


def test_a_guest_node_goes_with_its_meta_its_resources_stopped_first(sim):
    assert node(sim, "gn2").get("resources_running") == "1"
    assert _meta(sim, "vm-gn2", "remote-node") == (
        0, "Deleted 'vm-gn2' option: id=vm-gn2-meta_attributes-remote-node name=remote-node\n", "")
    assert node(sim, "gn2") is None and "gn2" not in sim.nodes
    assert resource(sim, "vm-gn2").get("role") == "Started"  # the VM itself keeps running
    assert sh(sim, "node1", "crm_node", "--force", "--remove", "gn2") == (0, "", "")
