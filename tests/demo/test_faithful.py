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
from tui.remote.demo.scenario import build_demo

pytestmark = pytest.mark.skipif(shutil.which("crm_mon") is None, reason="needs Pacemaker's crm_mon")


def _drop_rn1(s):
    s.drop_remote("rn1")


def _drop_and_reconnect(s):
    s.drop_remote("rn2")
    s.tick(s.now + 61)


def _standby_node1_and_back(s):
    s.set_node_attr("node1", "standby", "on")
    s.set_node_attr("node1", "standby", None)


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
