"""The demo's answers go through the console's real parsers and come out as the demo built them."""

from __future__ import annotations

from collections import Counter

import pytest

from tui.sim.cib import configuration_text, version_text
from tui.sim.render import crm_mon_xml

crm_mon = pytest.importorskip("tui.pacemaker.crm_mon")
cib = pytest.importorskip("tui.pacemaker.cib")
from tui.pacemaker.model import NodeKind, Snapshot  # noqa: E402


def _snapshot(state) -> Snapshot:
    snap = crm_mon.parse_status(crm_mon_xml(state), 0)
    assert isinstance(snap, Snapshot), snap
    assert snap.conditions == ()
    return cib.join(snap, cib.parse_configuration(configuration_text(state)))


def test_node_kinds(demo):
    snap = _snapshot(demo)
    counts = Counter(n.kind for n in snap.nodes)
    assert counts == {NodeKind.CLUSTER: 3, NodeKind.REMOTE: 2, NodeKind.GUEST: 2, NodeKind.BUNDLE: 2}
    assert snap.summary.dc == "node1"


def test_remote_and_guest_facts_survive_the_join(demo):
    snap = _snapshot(demo)
    rn1, gn1, b0 = snap.node("rn1"), snap.node("gn1"), snap.node("httpd-bundle-0")
    assert (rn1.address, rn1.port, rn1.reconnect_interval, rn1.host) == ("10.20.0.21", 3121, "60s", "node1")
    assert (gn1.address, gn1.container_resource, gn1.host) == ("10.20.0.41", "vm-gn1", "node1")
    assert (b0.bundle, b0.container_resource) == ("httpd-bundle", "httpd-bundle-podman-0")
    assert snap.node("node3").standby


def test_a_dropped_remote_parses_offline_with_its_failure(demo):
    demo.drop_remote("rn1")
    snap = _snapshot(demo)
    assert not snap.node("rn1").online
    reasons = {f.exit_reason for f in snap.failures if f.resource == "rn1"}
    assert reasons == {"Lost connection to remote executor"}


def test_version_parses(demo):
    version = cib.parse_cib_version(version_text(demo))
    assert (version.admin_epoch, version.epoch, version.num_updates) == (demo.admin_epoch, demo.epoch, demo.num_updates)
