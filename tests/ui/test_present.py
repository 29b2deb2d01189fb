"""Snapshot -> rows, states and banners (pure)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.ui.sample import sample_snapshot, unavailable
from tui.pacemaker.model import Condition, ConditionKind, Node, NodeKind
from tui.pacemaker.vocabulary import node_state_text
from tui.ui import present
from tui.ui.present import ViewOptions


@pytest.mark.parametrize("flags, word", [
    ({"online": True}, "online"),
    ({"online": False}, "OFFLINE"),
    ({"online": True, "unclean": True}, "UNCLEAN (online)"),
    ({"online": False, "unclean": True}, "UNCLEAN (offline)"),
    ({"online": True, "standby": True}, "standby"),
    ({"online": True, "maintenance": True, "standby": True}, "standby"),  # as crm_mon says
    ({"online": True, "maintenance": True}, "maintenance"),
    ({"online": True, "pending": True}, "pending"),
])
def test_state_is_always_a_word(flags, word):
    """crm_mon's words (tui.pacemaker.vocabulary, the one definition `status` uses too)."""
    node = Node("n", "1", NodeKind.CLUSTER, **flags)
    assert present.node_state(node)[0] == word == node_state_text(node)


def keys(banners):
    return [b.key for b in banners]


def test_healthy_cluster_has_no_banners():
    assert present.banners(sample_snapshot(), sample_snapshot()) == []


def test_each_banner():
    snap = sample_snapshot(with_quorum=False, stonith_enabled=False, maintenance_mode=True)
    nodes = list(snap.nodes)
    nodes[0] = dataclasses.replace(nodes[0], unclean=True, online=False)
    nodes[1] = dataclasses.replace(nodes[1], feature_set="3.19.0")
    snap = dataclasses.replace(snap, nodes=tuple(nodes))
    got = present.banners(snap, snap)
    assert keys(got) == ["quorum", "unclean", "fencing", "maintenance", "versions"]
    assert {b.key: b.level for b in got}["unclean"] == "critical"
    assert "node1" in got[1].text
    assert "3.16.2, 3.19.0" in got[-1].text


def test_unreachable_and_privileges_carry_the_clusters_words():
    got = present.banners(unavailable(message="Not connected"), None)
    assert [(b.key, b.text) for b in got] == [("unreachable", "Cluster not reachable: Not connected")]
    got = present.banners(unavailable(ConditionKind.INSUFFICIENT_PRIVILEGES,
                                      "Insufficient privileges", 4), None)
    assert keys(got) == ["privileges"]
    # a failed refresh keeps the last snapshot's banners too
    snap = sample_snapshot(maintenance_mode=True)
    assert keys(present.banners(unavailable(), snap)) == ["unreachable", "maintenance"]
    partial = dataclasses.replace(snap, conditions=(
        Condition(ConditionKind.ERRORS, "crm_mon: some resources missing"),))
    assert "condition" in keys(present.banners(partial, partial))


def test_remote_and_guest_columns():
    snap = sample_snapshot()
    remote = snap.node("remote1")
    cols = [k for k, _ in present.node_columns(present.REMOTE_PANE, ViewOptions())]
    row = dict(zip(cols, present.node_row(remote, present.REMOTE_PANE, ViewOptions())))
    assert row["connection"][0] == "remote1" and row["host"][0] == "node1"
    assert row["address"][0] == "10.99.0.11:3121" and row["reconnect"][0] == "60s"
    guest = snap.node("guest1")
    cols = [k for k, _ in present.node_columns(present.GUEST_PANE, ViewOptions())]
    row = dict(zip(cols, present.node_row(guest, present.GUEST_PANE, ViewOptions())))
    assert row["container"][0] == "vm-guest1" and row["host"][0] == "node2"
    assert row["via"][0] == "VM/container"


def test_resource_filter_keeps_parents_of_matches():
    snap = sample_snapshot()
    group = next(r for r in snap.resources if r.id == "grp-db")
    assert present.resource_visible(group, "pgsql", ViewOptions(), None)
    assert not present.resource_visible(group, "apache", ViewOptions(), None)
    assert present.resource_visible(group, "", ViewOptions(), "node1")
    assert not present.resource_visible(group, "", ViewOptions(), "node2")
