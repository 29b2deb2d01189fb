"""The demo's own crm_mon renderer against the real crm_mon 2.1.5, on the same state.

cib.full_cib writes the state as a complete CIB (configuration + status); the real crm_mon
renders it offline (CIB_file). Apart from the moment of the look, the two documents must be
identical: nodes and their kinds, online/standby/maintenance/unclean, every resource's role
and flags, histories, failures, tickets, bans. Fence history is the one section crm_mon only
gets from a live fencer, so it is left out of the comparison (and checked on its own).
"""

from __future__ import annotations

import difflib
import shutil

import pytest

from tests.demo.faithful import both
from tui.sim.commands import execute
from tui.sim.scenario import build_demo

pytestmark = pytest.mark.skipif(shutil.which("crm_mon") is None, reason="needs Pacemaker's crm_mon")


def _drop_rn1(s):
    s.drop_remote("rn1")


def _drop_and_reconnect(s):
    s.drop_remote("rn2")
    s.tick(s.now + 61)


def _standby_node1_and_back(s):
    s.set_node_attr("node1", "standby", "on")
    s.set_node_attr("node1", "standby", None)


REMOTE_XML = ('<primitive id="rn3" class="ocf" provider="pacemaker" type="remote">'
              '<instance_attributes id="rn3-instance_attributes">'
              '<nvpair id="rn3-instance_attributes-server" name="server" value="10.20.0.23"/>'
              '<nvpair id="rn3-instance_attributes-reconnect_interval" name="reconnect_interval" value="60s"/>'
              '</instance_attributes><operations>'
              '<op id="rn3-monitor-interval-60s" name="monitor" interval="60s" timeout="30s"/></operations></primitive>')


def _sh(s, host, *argv, stdin=b""):
    rc, out, err = execute(s, host, argv, stdin)
    assert rc == 0, (argv, out, err)


def _rn3_created(s):
    """The connection is in the CIB before the machine has the key: its start fails."""
    _sh(s, "node1", "cibadmin", "--create", "-o", "resources", "-X", REMOTE_XML)
    s.tick(s.now + 5)


def _rn3_online(s):
    _sh(s, "rn3", "install", "-m", "0400", "-o", "hacluster", "-g", "haclient", "/dev/stdin",
        "/etc/pacemaker/authkey", stdin=s.authkey)
    _sh(s, "rn3", "systemctl", "enable", "--now", "pacemaker_remote")
    _sh(s, "node1", "cibadmin", "--create", "-o", "resources", "-X", REMOTE_XML)
    s.tick(s.now + 5)


def _rn3_retried(s):
    _rn3_created(s)
    _sh(s, "rn3", "install", "-m", "0400", "-o", "hacluster", "-g", "haclient", "/dev/stdin",
        "/etc/pacemaker/authkey", stdin=s.authkey)
    _sh(s, "rn3", "systemctl", "enable", "--now", "pacemaker_remote")
    s.tick(s.now + 61)


def _rn1_disabled(s):
    _sh(s, "node1", "crm_resource", "--resource", "rn1", "--meta", "--set-parameter", "target-role",
        "--parameter-value", "Stopped")


def _rn1_deleted(s):
    _rn1_disabled(s)
    _sh(s, "node1", "cibadmin", "--delete", "-o", "resources", "-X", '<primitive id="rn1"/>')


def _rn1_removed(s):
    _rn1_deleted(s)
    _sh(s, "node1", "crm_node", "--force", "--remove", "rn1")


def _gn3_added(s):
    """pcs cluster node add-guest's way: the VM runs, then it gets its remote-node meta."""
    _sh(s, "gn3", "install", "-m", "0400", "-o", "hacluster", "-g", "haclient", "/dev/stdin",
        "/etc/pacemaker/authkey", stdin=s.authkey)
    _sh(s, "gn3", "systemctl", "enable", "--now", "pacemaker_remote")
    s.tick(s.now + 5)  # the demo's spare VM, vm-gn3, has started by then
    for name, value in (("remote-addr", "10.20.0.43"), ("remote-node", "gn3")):
        _sh(s, "node1", "crm_resource", "--resource", "vm-gn3", "--meta", "--set-parameter", name,
            "--parameter-value", value)
    s.tick(s.now + 5)


def _gn2_meta_removed(s):
    _sh(s, "node1", "crm_resource", "--resource", "vm-gn2", "--meta", "--delete-parameter", "remote-node")


def _rn3_key_rejected(s):
    """The daemon runs with another key: a hard start failure (invalid parameter)."""
    _sh(s, "rn3", "install", "-m", "0400", "-o", "hacluster", "-g", "haclient", "/dev/stdin",
        "/etc/pacemaker/authkey", stdin=b"not the cluster's key")
    _sh(s, "rn3", "systemctl", "enable", "--now", "pacemaker_remote")
    _sh(s, "node1", "cibadmin", "--create", "-o", "resources", "-X", REMOTE_XML)
    s.tick(s.now + 5)


def _pcs(s, *argv):
    rc, out, err = execute(s, "node1", ("pcs", *argv))
    assert rc == 0, (argv, out, err)
    s.tick(s.now + 5)


SCENARIOS = {
    "initial": lambda s: None,
    "remote-dropped": _drop_rn1,
    "remote-reconnected": _drop_and_reconnect,
    "monitor-failed-not-yet-recovered": lambda s: s.fail("web-server", "node1", rc=7),
    "promoted-instance-failed": lambda s: s.fail("db", "node2", rc=7),
    "node-maintenance": lambda s: s.set_node_attr("node1", "maintenance", "on"),
    "cluster-maintenance": lambda s: s.set_cluster_option("maintenance-mode", "true"),
    "standby-remote": lambda s: s.set_node_attr("rn1", "standby", "on"),
    "standby-guest": lambda s: s.set_node_attr("gn1", "standby", "on"),
    "maintenance-bundle-node": lambda s: s.set_node_attr("httpd-bundle-1", "maintenance", "on"),
    "standby-node1": lambda s: s.set_node_attr("node1", "standby", "on"),
    "standby-node1-and-back": _standby_node1_and_back,
    "node3-back-from-standby": lambda s: s.set_node_attr("node3", "standby", None),
    "cleanup-all": lambda s: s.cleanup(),
    "ten-minutes-of-life": lambda s: s.tick(s.now + 600),
    # what the node wizards do, through the commands they run
    "remote-created-without-key": _rn3_created,
    "remote-added-and-online": _rn3_online,
    "remote-retried-after-reconnect-interval": _rn3_retried,
    "remote-connection-disabled": _rn1_disabled,
    "remote-connection-deleted": _rn1_deleted,
    "remote-node-removed": _rn1_removed,
    "guest-added": _gn3_added,
    "guest-meta-removed": _gn2_meta_removed,
    "spare-vm-started": lambda s: s.tick(s.now + 5),
    "remote-key-rejected": _rn3_key_rejected,
    "remote-added-by-pcs": lambda s: _pcs(s, "cluster", "node", "add-remote", "rn3", "10.20.0.23"),
    "guest-added-by-pcs": lambda s: (s.tick(s.now + 5), _pcs(s, "cluster", "node", "add-guest", "gn3", "vm-gn3")),
    "remote-removed-by-pcs": lambda s: _pcs(s, "cluster", "node", "remove-remote", "rn2"),
    "guest-removed-by-pcs": lambda s: _pcs(s, "cluster", "node", "remove-guest", "gn1"),
    "guest-daemon-stopped": lambda s: _sh(s, "gn2", "systemctl", "stop", "pacemaker_remote"),
    "removed-remote-past-its-reconnect": lambda s: (_pcs(s, "cluster", "node", "remove-remote", "rn2"),
                                                    s.tick(s.now + 120)),
    "remote-daemon-stopped": lambda s: _sh(s, "rn2", "systemctl", "stop", "pacemaker_remote"),
    "remote-daemon-stopped-and-back": lambda s: (_sh(s, "rn2", "systemctl", "stop", "pacemaker_remote"),
                                                 _sh(s, "rn2", "systemctl", "start", "pacemaker_remote"),
                                                 s.tick(s.now + 61)),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_render_matches_real_crm_mon(name):
    state = build_demo(seed=3)
    SCENARIOS[name](state)
    mine, real = both(state)
    diff = "\n".join(difflib.unified_diff(real.splitlines(), mine.splitlines(), "crm_mon", "demo", lineterm=""))
    assert mine == real, diff


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 42])
def test_long_runs_stay_faithful(seed):
    """Whatever the seeded life does over half an hour, crm_mon agrees with the renderer."""
    state = build_demo(seed=seed)
    start = state.now
    for minute in range(1, 31, 5):
        state.tick(start + minute * 60)
        mine, real = both(state)
        assert mine == real, f"seed {seed}, minute {minute}"
