"""systemctl and service on the simulated machines, and what they do to the cluster."""

from __future__ import annotations

import pytest

from tui.sim.commands import execute
from tui.sim.render import crm_mon_xml
from tui.sim.state import RESTART_SECONDS


def sh(sim, host, *argv):
    return execute(sim, host, argv)


@pytest.mark.parametrize("unit", ["pacemaker", "corosync", "pcsd"])
def test_cluster_node_units_answer_like_systemctl(sim, unit):
    assert sh(sim, "node1", "systemctl", "is-active", unit) == (0, "active\n", "")
    assert sh(sim, "node1", "systemctl", "is-active", f"{unit}.service") == (0, "active\n", "")
    assert sh(sim, "node1", "systemctl", "is-enabled", unit) == (0, "enabled\n", "")
    assert sh(sim, "node1", "systemctl", "is-active", "--quiet", unit) == (0, "", "")
    assert sh(sim, "node1", "systemctl", "stop", unit) == (0, "", "")
    assert sh(sim, "node1", "systemctl", "is-active", unit) == (3, "inactive\n", "")
    assert sh(sim, "node1", "systemctl", "stop", unit) == (0, "", "")  # already stopped: still fine
    assert sh(sim, "node1", "systemctl", "restart", unit) == (0, "", "")
    sim.tick(sim.now + RESTART_SECONDS.get(unit, 0))  # pacemaker's restart takes a little sim time
    assert sh(sim, "node1", "systemctl", "is-active", unit) == (0, "active\n", "")


def test_enable_and_disable_print_what_systemd_252_prints(sim):
    assert sh(sim, "rn3", "systemctl", "is-enabled", "pacemaker_remote") == (1, "disabled\n", "")
    rc, out, err = sh(sim, "rn3", "systemctl", "enable", "pacemaker_remote")
    assert (rc, out) == (0, "") and err == ("Created symlink /etc/systemd/system/multi-user.target.wants/"
                                           "pacemaker_remote.service → /usr/lib/systemd/system/pacemaker_remote.service.\n")
    assert sh(sim, "rn3", "systemctl", "enable", "pacemaker_remote") == (0, "", "")
    assert sh(sim, "rn3", "systemctl", "is-active", "pacemaker_remote") == (3, "inactive\n", "")
    rc, out, err = sh(sim, "rn3", "systemctl", "disable", "--now", "pacemaker_remote")
    assert rc == 0 and err == 'Removed "/etc/systemd/system/multi-user.target.wants/pacemaker_remote.service".\n'
    assert sh(sim, "rn3", "systemctl", "enable", "--now", "pacemaker_remote")[0] == 0
    assert sh(sim, "rn3", "systemctl", "is-active", "pacemaker_remote") == (0, "active\n", "")
    assert sh(sim, "rn3", "systemctl", "is-enabled", "pacemaker_remote") == (0, "enabled\n", "")


def test_units_that_are_not_installed(sim):
    """A remote node has no pacemaker or corosync units."""
    assert sh(sim, "rn1", "systemctl", "is-active", "pacemaker") == (3, "inactive\n", "")
    assert sh(sim, "rn1", "systemctl", "is-enabled", "corosync") == (
        1, "", "Failed to get unit file state for corosync.service: No such file or directory\n")
    assert sh(sim, "rn1", "systemctl", "start", "pacemaker") == (
        5, "", "Failed to start pacemaker.service: Unit pacemaker.service not found.\n")
    assert sh(sim, "rn1", "systemctl", "stop", "pacemaker") == (
        5, "", "Failed to stop pacemaker.service: Unit pacemaker.service not loaded.\n")
    assert sh(sim, "rn1", "systemctl", "enable", "corosync") == (
        1, "", "Failed to enable unit: Unit file corosync.service does not exist.\n")
    assert sh(sim, "rn1", "service", "corosync", "status")[0] == 4


def test_service_redirects_to_systemctl(sim):
    rc, out, err = sh(sim, "rn3", "service", "pacemaker_remote", "start")
    assert (rc, out) == (0, "") and err == "Redirecting to /bin/systemctl start pacemaker_remote.service\n"
    rc, out, err = sh(sim, "rn3", "service", "pacemaker_remote", "status")
    assert rc == 0 and "Active: active (running)" in out and "pacemaker_remote.service - Pacemaker Remote" in out
    sh(sim, "rn3", "service", "pacemaker_remote", "stop")
    rc, out, _ = sh(sim, "rn3", "service", "pacemaker_remote", "status")
    assert rc == 3 and "Active: inactive (dead)" in out


@pytest.mark.parametrize("argv", [
    ("systemctl", "mask", "pacemaker"), ("systemctl", "--user", "start", "pacemaker"), ("systemctl",),
    ("service", "pacemaker"), ("service", "pacemaker", "reload"),
])
def test_what_the_simulator_does_not_know_is_refused(sim, argv):
    rc, out, err = sh(sim, "node1", *argv)
    assert rc != 0 and "simulator supports only" in err and out == ""
    assert sh(sim, "node1", "systemctl", "is-active", "pacemaker")[1] == "active\n"


def _node(sim, name):
    from lxml import etree

    root = etree.fromstring(crm_mon_xml(sim).encode())
    return root.find(f"nodes/node[@name='{name}']")


def test_stopping_pacemaker_remote_takes_a_remote_node_offline_until_it_runs_again(sim, clock):
    assert _node(sim, "rn1").get("online") == "true"
    sh(sim, "rn1", "systemctl", "stop", "pacemaker_remote")
    assert _node(sim, "rn1").get("online") == "false"
    sim.tick(clock.advance(120))
    assert _node(sim, "rn1").get("online") == "false"  # the retry finds no daemon
    sh(sim, "rn1", "systemctl", "start", "pacemaker_remote")
    sim.tick(clock.advance(61))
    assert _node(sim, "rn1").get("online") == "true"
