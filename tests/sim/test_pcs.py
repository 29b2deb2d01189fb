"""pcs 0.11.5 in the simulator: --version, pcsd status, and the cluster node commands with
each check and refusal pcs makes (pcs/lib/commands/remote_node.py), worded as pcs words them.

Where this machine has pcs installed, its own report classes render the expected words
(test_the_words_are_pcs_own).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess

import pytest
from lxml import etree

from tui.pacemaker import nodecmds as n
from tui.sim.commands import execute
from tui.sim.hosts import AUTHKEY, CIB_XML, COROSYNC_CONF
from tui.sim.pcs import DEFAULT_OPS, GIVE_UP
from tui.sim.render import crm_mon_xml


def sh(sim, host, argv, stdin=b""):
    return execute(sim, host, tuple(argv), stdin)


def node(sim, name):
    return next((el for el in etree.fromstring(crm_mon_xml(sim).encode()).iter("node")
                 if el.get("name") == name and el.get("online") is not None), None)


def refused(sim, argv, *errors):
    rc, out, err = sh(sim, "node1", argv)
    assert (rc, out) == (1, ""), err
    for error in errors:
        assert f"Error: {error}\n" in err, err
    return err


def test_version(sim):
    assert sh(sim, "node1", n.pcs_version()) == (0, "0.11.5\n", "")


def test_pcsd_status(sim):
    assert sh(sim, "node1", n.pcs_host_known("rn3")) == (0, "  rn3: Online\n", "")
    assert sh(sim, "node1", n.pcs_host_known("node2")) == (0, "  node2: Online\n", "")
    assert sh(sim, "node1", n.pcs_host_known("rn4")) == (2, "  rn4: Unable to authenticate\n", "")
    sh(sim, "rn3", ("systemctl", "stop", "pcsd"))
    assert sh(sim, "node1", n.pcs_host_known("rn3")) == (2, "  rn3: Offline\n", "")
    assert sh(sim, "node1", ("pcs", "pcsd", "status", "rn1", "rn4")) == (
        2, "  rn1: Online\n  rn4: Unable to authenticate\n", "")


def test_pcs_refuses_what_it_is_not_taught(sim):
    rc, _, err = sh(sim, "node1", ("pcs", "resource", "create", "x", "ocf:pacemaker:Dummy"))
    assert rc == 1 and "simulator's pcs answers only" in err
    rc, _, err = sh(sim, "node1", ("pcs", "cluster", "node", "add-remote", "rn3", "--skip-offline"))
    assert rc == 1 and "--skip-offline" in err
    rc, _, err = sh(sim, "rn3", n.pcs_add_remote("rn4", "10.20.0.24"))
    assert (rc, err) == (1, f"Error: Unable to read {COROSYNC_CONF}: No such file or directory\n")


# ---- add-remote ----------------------------------------------------------------------------


def test_add_remote_sends_the_key_starts_the_daemon_and_creates_the_resource(sim, clock):
    rc, out, err = sh(sim, "node1", n.pcs_add_remote("rn3", "10.20.0.23", reconnect_interval="60s"))
    assert (rc, out) == (0, "")
    assert err == ("Sending 'pacemaker authkey' to 'rn3'\n"
                   "rn3: successful distribution of the file 'pacemaker authkey'\n"
                   "Requesting 'pacemaker_remote enable', 'pacemaker_remote start' on 'rn3'\n"
                   "rn3: successful run of 'pacemaker_remote start'\n"
                   "rn3: successful run of 'pacemaker_remote enable'\n")
    key = sim.host("rn3").fs.get(AUTHKEY)
    assert (key.owner, key.group, key.mode, key.content) == ("hacluster", "haclient", 0o400, sim.authkey)
    unit = sim.host("rn3").service("pacemaker_remote")
    assert unit.active and unit.enabled
    prim = sim.primitives["rn3"][0]
    assert prim.agent == "ocf:pacemaker:remote"
    assert prim.params == {"reconnect_interval": "60s", "server": "10.20.0.23"}
    assert [(o.name, o.interval, o.timeout) for o in prim.ops] == [
        ("start", "0s", "60s"), ("stop", "0s", "60s"), ("monitor", "60s", "30s"), ("migrate_to", "0s", "60s"),
        ("migrate_from", "0s", "60s"), ("reload", "0s", "60s"), ("reload-agent", "0s", "60s")]
    assert node(sim, "rn3").get("online") == "false"  # pcs does not wait
    sim.tick(clock.advance(3))
    assert node(sim, "rn3").get("online") == "true"


def test_add_remote_silently_overwrites_a_different_key(sim):
    sim.host("rn3").fs.write(AUTHKEY, b"another key", owner="root", group="root", mode=0o644)
    assert sh(sim, "node1", n.pcs_add_remote("rn3", "10.20.0.23"))[0] == 0
    assert sim.host("rn3").fs.get(AUTHKEY).content == sim.authkey


def test_add_remote_without_a_local_key_sends_a_new_one_to_every_node(sim):
    sim.host("node1").fs.remove(AUTHKEY)
    rc, _, err = sh(sim, "node1", n.pcs_add_remote("rn3", "10.20.0.23"))
    assert rc == 0
    assert err.startswith("Sending 'pacemaker authkey' to 'node1', 'node2', 'node3', 'rn1', 'rn2', 'gn1', 'gn2', 'rn3'\n")
    digests = {hashlib.sha256(sim.host(h).fs.get(AUTHKEY).content).hexdigest() for h in ("node1", "node2", "rn1", "rn3")}
    assert len(digests) == 1 and len(sim.host("rn3").fs.get(AUTHKEY).content) == 256


def test_add_remote_needs_every_host_authenticated(sim):
    err = refused(sim, n.pcs_add_remote("rn4", "10.20.0.24"),
                  "Host 'rn4' is not known to pcs, try to authenticate the host using 'pcs host auth rn4' command")
    assert err.endswith(GIVE_UP)
    del sim.pcs_known["rn2"]
    del sim.pcs_known["gn1"]
    refused(sim, n.pcs_add_remote("rn3", "10.20.0.23"),
            "Hosts 'gn1', 'rn2' are not known to pcs, try to authenticate the hosts using 'pcs host auth gn1 rn2' command")
    assert "pacemaker_remote" not in "".join(u for u, s in sim.host("rn3").services.items() if s.active)


@pytest.mark.parametrize("name, address, error", [
    ("rn1", "10.20.0.23", "'rn1' already exists"),  # a remote node's name
    ("node2", "10.20.0.23", "'node2' already exists"),  # a cluster node's name
    ("gn1", "10.20.0.23", "'gn1' already exists"),  # a guest node's name
    ("web-ip", "10.20.0.23", "'web-ip' already exists"),  # any CIB id
    ("rn3", "10.20.0.21", "'10.20.0.21' already exists"),  # rn1's server
    ("rn3", "10.20.0.11", "'10.20.0.11' already exists"),  # node1's address
    ("rn3", "10.20.0.41", "'10.20.0.41' already exists"),  # gn1's remote-addr
])
def test_add_remote_refuses_names_and_addresses_in_use(sim, name, address, error):
    refused(sim, ("pcs", "cluster", "node", "add-remote", name, address), error)
    assert not sim.host("rn3").running("pacemaker_remote")


@pytest.mark.parametrize("name, error", [
    ("3rn", "invalid resource name '3rn', '3' is not a valid first character for a resource name"),
    ("rn:3", "invalid resource name 'rn:3', ':' is not a valid character for a resource name"),
])
def test_add_remote_refuses_a_name_that_is_no_xml_id(sim, name, error):
    refused(sim, ("pcs", "cluster", "node", "add-remote", name, "10.20.0.23"), error)


def test_add_remote_checks_options_by_name_only(sim):
    refused(sim, ("pcs", "cluster", "node", "add-remote", "rn3", "10.20.0.23", "colour=blue"),
            "invalid resource option 'colour', allowed options are: 'port', 'reconnect_interval', 'server', "
            "use --force to override")
    refused(sim, ("pcs", "cluster", "node", "add-remote", "rn3", "10.20.0.23", "server=x"),
            "invalid resource option 'server', allowed options are: 'port', 'reconnect_interval'")
    # no type check: pcs takes a port of 99999 and an interval of "soon"
    assert sh(sim, "node1", n.pcs_add_remote("rn3", "10.20.0.23", port=99999, reconnect_interval="soon"))[0] == 0


def test_add_remote_refuses_a_host_whose_pcsd_does_not_answer(sim):
    sh(sim, "rn3", ("systemctl", "stop", "pcsd"))
    err = refused(sim, n.pcs_add_remote("rn3", "10.20.0.23"), "Unable to connect to rn3 (Failed to connect to "
                  "10.20.0.23 port 2224 after 0 ms: Connection refused)")
    assert err.endswith(GIVE_UP) and sim.host("rn3").fs.get(AUTHKEY) is None


def test_a_running_pacemaker_remote_blocks_the_add(sim):
    sh(sim, "rn3", n.enable_start())
    refused(sim, n.pcs_add_remote("rn3", "10.20.0.23"),
            "rn3: The host seems to be in a cluster already as the following service is found to be running: "
            "'pacemaker_remote'. If the host is not part of a cluster, stop the service and retry")
    assert "rn3" not in sim.primitives


def test_a_host_with_cluster_files_or_without_the_package_is_refused(sim):
    host = sim.host("rn3")
    host.fs.makedirs("/etc/corosync")
    host.fs.write(COROSYNC_CONF, b"totem {}\n")
    del host.services["pacemaker_remote"]
    err = refused(sim, n.pcs_add_remote("rn3", "10.20.0.23"),
                  "rn3: Required cluster services not installed: 'pacemaker_remote'",
                  "rn3: The host seems to be in a cluster already as cluster configuration files have been found "
                  "on the host. If the host is not part of a cluster, run 'pcs cluster destroy' on host 'rn3' "
                  "to remove those configuration files")
    assert err.endswith(GIVE_UP)
    host.fs.remove(COROSYNC_CONF)
    host.fs.makedirs("/var/lib/pacemaker/cib")
    host.fs.write(CIB_XML, b"<cib/>")
    assert "configuration files have been found" in refused(sim, n.pcs_add_remote("rn3", "10.20.0.23"))


def test_add_remote_without_an_address_uses_the_known_hosts_one(sim):
    rc, _, err = sh(sim, "node1", ("pcs", "cluster", "node", "add-remote", "rn3"))
    assert rc == 0 and err.startswith("No addresses specified for host 'rn3', using '10.20.0.23'\n")
    assert sim.primitives["rn3"][0].params["server"] == "10.20.0.23"


# ---- add-guest -----------------------------------------------------------------------------


def test_add_guest_makes_the_vm_a_guest_and_it_comes_online(sim, clock):
    sim.tick(clock.advance(3))  # vm-gn3 runs
    rc, out, err = sh(sim, "node1", n.pcs_add_guest("gn3", "vm-gn3", address="10.20.0.43", connect_timeout="60s"))
    assert (rc, out) == (0, "") and "gn3: successful run of 'pacemaker_remote start'\n" in err
    meta = sim.primitives["vm-gn3"][0].meta
    assert (meta["remote-node"], meta["remote-addr"], meta["remote-connect-timeout"]) == ("gn3", "10.20.0.43", "60s")
    assert "remote-port" not in meta
    gn3 = node(sim, "gn3")
    assert gn3.get("online") == "true" and gn3.get("id_as_resource") == "vm-gn3"


def test_add_guest_defaults_remote_addr_from_known_hosts(sim, clock):
    sim.tick(clock.advance(3))
    rc, _, err = sh(sim, "node1", n.pcs_add_guest("gn3", "vm-gn3"))
    assert rc == 0 and err.startswith("No addresses specified for host 'gn3', using '10.20.0.43'\n")
    assert sim.primitives["vm-gn3"][0].meta["remote-addr"] == "10.20.0.43"


@pytest.mark.parametrize("argv, error", [
    (n.pcs_add_guest("gn3", "vm-none", address="10.20.0.43"), "resource 'vm-none' does not exist"),
    (n.pcs_add_guest("gn3", "web", address="10.20.0.43"), "'web' is not a resource"),
    (n.pcs_add_guest("gn3", "vm-gn1", address="10.20.0.43"), "the resource 'vm-gn1' is already a guest node"),
    (n.pcs_add_guest("gn1", "vm-gn3", address="10.20.0.43"), "'gn1' already exists"),
    (n.pcs_add_guest("vm-gn1", "vm-gn3", address="10.20.0.43"), "'vm-gn1' already exists"),
    (n.pcs_add_guest("gn3", "vm-gn3", address="10.20.0.41"), "'10.20.0.41' already exists"),
    (n.pcs_add_guest("gn3", "vm-gn3", address="10.20.0.43", port=99999),
     "'99999' is not a valid remote-port value, use a port number (1..65535)"),
    (n.pcs_add_guest("gn3", "vm-gn3", address="10.20.0.43", connect_timeout="soon"),
     "'soon' is not a valid remote-connect-timeout value, use time interval (e.g. 1, 2s, 3m, 4h, ...)"),
    (("pcs", "cluster", "node", "add-guest", "gn3", "vm-gn3", "remote-allow-migrate=true"),
     "invalid guest option 'remote-allow-migrate', allowed options are: 'remote-addr', 'remote-connect-timeout', "
     "'remote-port'"),
], ids=["missing", "a-group", "already-guest", "name-taken", "name-is-an-id", "addr-taken", "port", "timeout",
        "option"])
def test_add_guest_refusals(sim, argv, error):
    err = refused(sim, argv, error)
    assert err.endswith(GIVE_UP)
    assert "gn3" not in sim.nodes and not sim.host("gn3").running("pacemaker_remote")


# ---- remove-remote / remove-guest ----------------------------------------------------------


def test_remove_remote_stops_the_daemon_first_then_deletes_the_resource_and_the_node(sim):
    rc, out, err = sh(sim, "node1", n.pcs_remove_remote("rn2"))
    assert (rc, out) == (0, "")
    assert err == ("Requesting 'pacemaker_remote disable', 'pacemaker_remote stop' on 'rn2'\n"
                   "rn2: successful run of 'pacemaker_remote stop'\n"
                   "rn2: successful run of 'pacemaker_remote disable'\n"
                   "Requesting remove 'pacemaker_remote authkey' from 'rn2'\n"
                   "rn2: successful removal of the file 'pacemaker_remote authkey'\n"
                   "Deleting Resource - rn2\n")
    host = sim.host("rn2")
    assert host.fs.get(AUTHKEY) is None and not host.running("pacemaker_remote")
    assert not host.service("pacemaker_remote").enabled
    assert "rn2" not in sim.primitives and "rn2" not in sim.nodes and node(sim, "rn2") is None
    # 0.11.5's order: the daemon went first, so the cluster saw the connection drop
    assert "Lost connection to Pacemaker Remote node rn2" in sh(sim, "node2", n.log_lines("rn2"))[1]


def test_remove_remote_by_its_server_address(sim):
    assert sh(sim, "node1", ("pcs", "cluster", "node", "remove-remote", "10.20.0.21"))[0] == 0
    assert "rn1" not in sim.nodes


def test_remove_guest_stops_the_daemon_and_unsets_the_meta_the_vm_keeps_running(sim):
    rc, out, err = sh(sim, "node1", n.pcs_remove_guest("gn2"))
    assert (rc, out) == (0, "") and "Requesting remove 'pacemaker_remote authkey' from 'gn2'\n" in err
    meta = sim.primitives["vm-gn2"][0].meta
    assert not {"remote-node", "remote-addr", "remote-port"} & set(meta)
    assert "gn2" not in sim.nodes and sim.where("vm-gn2") == [("node2", "Started")]


@pytest.mark.parametrize("argv, error", [
    (n.pcs_remove_remote("rn9"), "remote node 'rn9' does not appear to exist in configuration"),
    (n.pcs_remove_remote("gn1"), "remote node 'gn1' does not appear to exist in configuration"),
    (n.pcs_remove_guest("gn9"), "guest node 'gn9' does not appear to exist in configuration"),
    (n.pcs_remove_guest("rn1"), "guest node 'rn1' does not appear to exist in configuration"),
])
def test_remove_of_what_is_not_there(sim, argv, error):
    assert sh(sim, "node1", argv) == (1, "", f"Error: {error}\n")


# ---- the words against pcs's own report classes --------------------------------------------

PCS_MESSAGES = r"""
import json, sys
sys.path.insert(0, "/usr/lib/python3/dist-packages")
from pcs.common.reports import messages as m, const
from pcs.cli.reports.messages import report_item_msg_from_dto
items = [
    m.IdAlreadyExists("rn1"), m.ServiceNotInstalled("rn3", ["pacemaker_remote"]),
    m.HostAlreadyInClusterServices("rn3", ["pacemaker_remote"]), m.HostAlreadyInClusterConfig("rn3"),
    m.UsingDefaultAddressForHost("rn3", "10.20.0.23", const.DEFAULT_ADDRESS_SOURCE_KNOWN_HOSTS),
    m.FilesDistributionStarted(["pacemaker authkey"], ["rn3"]), m.FileDistributionSuccess("rn3", "pacemaker authkey"),
    m.ServiceCommandsOnNodesStarted(["pacemaker_remote start", "pacemaker_remote enable"], ["rn3"]),
    m.ServiceCommandOnNodeSuccess("rn3", "pacemaker_remote start"), m.HostNotFound(["rn4"]),
    m.HostNotFound(["rn2", "gn1"]), m.NodeNotFound("rn9", ["remote"]), m.NodeNotFound("gn9", ["guest"]),
    m.FilesRemoveFromNodesStarted(["pacemaker_remote authkey"], ["rn2"]),
    m.FileRemoveFromNodeSuccess("rn2", "pacemaker_remote authkey"),
    m.ServiceCommandsOnNodesStarted(["pacemaker_remote stop", "pacemaker_remote disable"], ["rn2"]),
    m.ResourceIsGuestNodeAlready("vm-gn1"), m.IdNotFound("vm-none", ["primitive"], "resources", ""),
    m.IdBelongsToUnexpectedType("web", ["primitive"], "group"),
    m.InvalidIdBadChar("3rn", "resource name", "3", True),
    m.InvalidOptionValue("remote-port", "99999", "a port number (1..65535)"),
    m.InvalidOptionValue("remote-connect-timeout", "soon", "time interval (e.g. 1, 2s, 3m, 4h, ...)"),
    m.InvalidOptions(["remote-allow-migrate"], ["remote-addr", "remote-connect-timeout", "remote-port"], "guest"),
    m.InvalidOptions(["colour"], ["port", "reconnect_interval", "server"], "resource"),
    m.NodeCommunicationErrorUnableToConnect("rn3", "remote/check_auth",
        "Failed to connect to 10.20.0.23 port 2224 after 0 ms: Connection refused"),
]
print(json.dumps([report_item_msg_from_dto(i.to_dto()).message for i in items]))
"""


@pytest.mark.skipif(not os.path.isdir("/usr/lib/python3/dist-packages/pcs") or not os.path.exists("/usr/bin/python3"),
                    reason="needs pcs installed")
def test_the_words_are_pcs_own(sim, clock):
    real = json.loads(subprocess.run(["/usr/bin/python3", "-c", PCS_MESSAGES], capture_output=True, text=True,
                                     check=True, timeout=60).stdout)
    said = ""
    for argv in [n.pcs_add_remote("rn1", "10.20.0.23"), ("pcs", "cluster", "node", "add-remote", "3rn", "x"),
                 ("pcs", "cluster", "node", "add-remote", "rn3", "10.20.0.23", "colour=blue"),
                 n.pcs_remove_remote("rn9"), n.pcs_remove_guest("gn9"),
                 n.pcs_add_guest("gn3", "vm-none"), n.pcs_add_guest("gn3", "web"), n.pcs_add_guest("gn3", "vm-gn1"),
                 n.pcs_add_guest("gn3", "vm-gn3", port=99999, connect_timeout="soon"),
                 ("pcs", "cluster", "node", "add-guest", "gn3", "vm-gn3", "remote-allow-migrate=1")]:
        said += sh(sim, "node1", argv)[2]
    del sim.pcs_known["rn2"], sim.pcs_known["gn1"]
    said += sh(sim, "node1", n.pcs_add_remote("rn4", "10.20.0.24"))[2]
    sim.pcs_known.update(rn2="10.20.0.22", gn1="10.20.0.41")
    sh(sim, "rn3", ("systemctl", "stop", "pcsd"))
    said += sh(sim, "node1", n.pcs_add_remote("rn3", "10.20.0.23"))[2]
    sh(sim, "rn3", ("systemctl", "start", "pcsd"))
    sh(sim, "rn3", ("systemctl", "start", "pacemaker_remote"))
    said += sh(sim, "node1", n.pcs_add_remote("rn3", "10.20.0.23"))[2]
    sh(sim, "rn3", ("systemctl", "stop", "pacemaker_remote"))
    host = sim.host("rn3")
    del host.services["pacemaker_remote"]
    host.fs.makedirs("/etc/corosync")
    host.fs.write(COROSYNC_CONF, b"")
    said += sh(sim, "node1", n.pcs_add_remote("rn3", "10.20.0.23"))[2]
    sim.tick(clock.advance(3))
    sim2 = __import__("tui.sim", fromlist=["build_demo"]).build_demo(seed=0, clock=clock, life=False)
    said += sh(sim2, "node1", ("pcs", "cluster", "node", "add-remote", "rn3"))[2]
    said += sh(sim2, "node1", n.pcs_remove_remote("rn2"))[2]
    missing = [message for message in real if message not in said]
    assert not missing, missing


def test_direct_and_pcs_primitives_compare_equal(sim):
    """What a direct-method wizard must create to match pcs: the same primitive element."""
    from tui.sim.cib import configuration

    sh(sim, "node1", n.pcs_add_remote("rn3", "10.20.0.23", reconnect_interval="60s"))
    pcs_el = next(el for el in configuration(sim).iter("primitive") if el.get("id") == "rn3")
    ops = "".join(f'<op id="rn4-{o.name}-interval-{o.interval}" interval="{o.interval}" name="{o.name}" '
                  f'timeout="{o.timeout}"/>' for o in DEFAULT_OPS)
    xml = ('<primitive id="rn4" class="ocf" provider="pacemaker" type="remote">'
           '<instance_attributes id="rn4-instance_attributes">'
           '<nvpair id="rn4-instance_attributes-reconnect_interval" name="reconnect_interval" value="60s"/>'
           '<nvpair id="rn4-instance_attributes-server" name="server" value="10.20.0.24"/>'
           f'</instance_attributes><operations>{ops}</operations></primitive>')
    assert sh(sim, "node1", n.create_resource(xml)) == (0, "", "")
    direct_el = next(el for el in configuration(sim).iter("primitive") if el.get("id") == "rn4")
    text = etree.tostring(direct_el, encoding="unicode").replace("rn4", "rn3").replace("10.20.0.24", "10.20.0.23")
    assert text == etree.tostring(pcs_el, encoding="unicode")
